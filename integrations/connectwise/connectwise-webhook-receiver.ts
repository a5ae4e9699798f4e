import type { WebhookReceiver } from '../../services/intake/webhook-intake-route.js';
import type { CallbackKeyFetcher } from './connectwise-callback-keys.js';
import { verifyConnectWiseCallback } from './connectwise-callback.js';

/** Whose callbacks are taken, and whose own updates are recognised when they echo back. */
export interface ConnectWiseReceiverOptions {
  /** The Manage login company id: a callback of any other company is refused. */
  companyId: string;
  /** The API member's identifier: its own ticket updates echo back as callbacks and are ignored. */
  apiMemberIdentifier?: string;
}

/**
 * The ConnectWise callback receiver: verifies `x-content-signature` with the key behind the callback's
 * allow-listed `key_url`, refuses another company's callbacks, ignores what is not a new or changed ticket
 * (other record types, deletions, echoes of our own updates), and names the ticket. ConnectWise retries only
 * 404/409/419/429, so "try again later" is 429.
 */
export function connectWiseReceiver(
  options: ConnectWiseReceiverOptions,
  fetcher: CallbackKeyFetcher,
): WebhookReceiver {
  const same = (a: string | undefined, b: string | undefined) =>
    a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  return {
    psa: 'connectwise',
    retryStatus: 429,
    async receive({ headers, rawBody }) {
      const header = headers['x-content-signature'];
      const verdict = await verifyConnectWiseCallback(
        rawBody,
        Array.isArray(header) ? header[0] : header,
        fetcher,
      );
      if (!verdict.ok) {
        return verdict.retryable
          ? { status: 'retry-later', reason: verdict.reason }
          : { status: 'unauthenticated', reason: verdict.reason };
      }
      const callback = verdict.callback;
      if (!same(callback.companyId, options.companyId)) {
        return {
          status: 'unauthenticated',
          reason: `callback for another company (${callback.companyId ?? 'none'})`,
        };
      }
      const action = (callback.action ?? '').toLowerCase();
      if ((callback.type ?? '').toLowerCase() !== 'ticket')
        return { status: 'accepted', deliveries: [], ignored: 'not a ticket' };
      if (action === 'deleted') return { status: 'accepted', deliveries: [], ignored: 'ticket deleted' };
      if (action === 'updated' && same(callback.memberId, options.apiMemberIdentifier)) {
        return { status: 'accepted', deliveries: [], ignored: 'echo of our own update' };
      }
      if (!callback.recordId || !/^\d+$/.test(callback.recordId)) {
        return { status: 'bad-request', message: 'The callback names no ticket id.' };
      }
      return {
        status: 'accepted',
        deliveries: [
          {
            ticketId: callback.recordId,
            deliveryId: callback.messageId,
            customerHint: callback.recordCompanyId,
          },
        ],
      };
    },
  };
}
