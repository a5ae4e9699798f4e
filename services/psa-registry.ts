import type { AppConfig } from '../config/load-config.js';
import { createAutotaskAdapter } from '../integrations/autotask/autotask-adapter.js';
import { parseAutotaskWebhook, verifyAutotaskSignature } from '../integrations/autotask/autotask-webhook.js';
import { createConnectWiseAdapter } from '../integrations/connectwise/connectwise-adapter.js';
import {
  createCallbackKeyFetcher,
  verifyConnectWiseCallback,
} from '../integrations/connectwise/connectwise-callback.js';
import { createHaloPsaAdapter } from '../integrations/halopsa/halopsa-adapter.js';
import { authenticateHaloWebhook, parseHaloWebhook } from '../integrations/halopsa/halopsa-webhook.js';
import type { PsaAdapter, PsaKind } from './domain/ports.js';
import { parseJson, type WebhookDelivery, type WebhookReceiver } from './intake/webhook-intake-route.js';
import type { Logger } from './logging/logger.js';

export interface PsaRegistry {
  adapters: Map<PsaKind, PsaAdapter>;
  receivers: WebhookReceiver[];
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The tickets a JSON webhook body names, read with the PSA's parser (which throws when it names none), or
 * the bad-request verdict saying why none could be read. Only what the intake uses is kept.
 */
function readDeliveries(
  rawBody: Buffer,
  parse: (body: unknown) => { deliveries: WebhookDelivery[] },
): { deliveries: WebhookDelivery[] } | { status: 'bad-request'; message: string } {
  const body = parseJson(rawBody);
  if (body === undefined)
    return { status: 'bad-request', message: 'No ticket id could be read: the body is not JSON.' };
  try {
    const deliveries = parse(body).deliveries.map(({ ticketId, deliveryId, customerHint }) => ({
      ticketId,
      deliveryId,
      customerHint,
    }));
    return { deliveries };
  } catch (err) {
    return {
      status: 'bad-request',
      message: `No ticket id could be read from the webhook: ${messageOf(err)}`,
    };
  }
}

/** Source lists from config: numeric entries are PSA ids, the rest names. Empty lists keep the built-in names. */
function sourcesFrom(email: string[], portal: string[], agent: string[]) {
  const parse = (list: string[]) =>
    list.length ? list.map((v) => (/^\d+$/.test(v) ? Number(v) : v)) : undefined;
  const sources = { email: parse(email), portal: parse(portal), agent: parse(agent) };
  return sources.email || sources.portal || sources.agent ? sources : undefined;
}

/** Builds the adapter and the webhook receiver of every PSA enabled in the configuration. */
export function createPsaRegistry(config: AppConfig, logger: Logger): PsaRegistry {
  const adapters = new Map<PsaKind, PsaAdapter>();
  const receivers: WebhookReceiver[] = [];

  const h = config.halopsa;
  if (h.enabled) {
    adapters.set(
      'halopsa',
      createHaloPsaAdapter(
        {
          resourceServerUrl: h.resourceServerUrl,
          authServerUrl: h.authServerUrl,
          tenant: h.tenant,
          clientId: h.clientId,
          clientSecret: h.clientSecret,
          scope: h.scope,
          timeoutMs: h.timeoutMs,
          resetTicketTypeIds: h.resetTicketTypeIds,
          fields: {
            target: h.targetField,
            resetPassword: h.resetPasswordField,
            resetMfa: h.resetMfaField,
            attestation: h.attestationField,
          },
          sources: sourcesFrom(h.emailSources, h.portalSources, h.agentSources),
          outcomes: { customerNoteId: h.customerNoteOutcomeId, internalNoteId: h.internalNoteOutcomeId },
          statuses: { awaitingConfirmationId: h.awaitingConfirmationStatusId },
          handoff: { teamId: h.handoffTeamId, teamName: h.handoffTeamName, statusId: h.handoffStatusId },
        },
        logger.child({ psa: 'halopsa' }),
      ),
    );
    const expected = { username: h.webhookUsername, password: h.webhookPassword };
    // Halo's Basic credential is in the headers: refused before the body is read.
    const refuse = (headers: { authorization?: string }) =>
      authenticateHaloWebhook(headers.authorization, expected)
        ? undefined
        : { status: 'unauthenticated' as const, reason: 'wrong or missing Basic credentials' };
    receivers.push({
      psa: 'halopsa',
      authenticateHeaders: refuse,
      async receive({ headers, rawBody }) {
        const refused = refuse(headers);
        if (refused) return refused;
        const read = readDeliveries(rawBody, parseHaloWebhook);
        return 'deliveries' in read ? { status: 'accepted', deliveries: read.deliveries } : read;
      },
    });
  }

  const cw = config.connectwise;
  if (cw.enabled) {
    adapters.set(
      'connectwise',
      createConnectWiseAdapter(
        {
          siteUrl: cw.siteUrl,
          codebase: cw.codebase,
          companyId: cw.companyId,
          publicKey: cw.publicKey,
          privateKey: cw.privateKey,
          clientId: cw.clientId,
          timeoutMs: cw.timeoutMs,
          resetTicket: {
            boardIds: cw.resetBoardIds,
            typeNames: cw.resetTypeNames.length ? cw.resetTypeNames : undefined,
            subTypeNames: cw.resetSubTypeNames.length ? cw.resetSubTypeNames : undefined,
          },
          fields: {
            target: cw.targetField,
            resetPassword: cw.resetPasswordField,
            resetMfa: cw.resetMfaField,
          },
          awaitingConfirmation: { statusId: cw.awaitingConfirmationStatusId },
          handoff: {
            boardId: cw.handoffBoardId,
            statusId: cw.handoffStatusId,
            teamId: cw.handoffTeamId,
            ownerIdentifier: cw.handoffOwnerIdentifier,
          },
        },
        logger.child({ psa: 'connectwise' }),
      ),
    );
    const fetcher = createCallbackKeyFetcher({
      allowedOrigins: cw.keyUrlAllowedOrigins,
      clientId: cw.clientId,
      // ConnectWise gives up after 5 s: the key fetch must leave time to queue.
      timeoutMs: 2000,
      maxBytes: 16 * 1024,
      cacheTtlMs: 10 * 60_000,
      companyId: cw.companyId,
      maxKeyUrlsPerMinute: cw.keyUrlFetchesPerMinute,
    });
    receivers.push({
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
        if (!callback.companyId || callback.companyId.toLowerCase() !== cw.companyId.toLowerCase()) {
          return {
            status: 'unauthenticated',
            reason: `callback for another company (${callback.companyId ?? 'none'})`,
          };
        }
        if ((callback.type ?? '').toLowerCase() !== 'ticket')
          return { status: 'accepted', deliveries: [], ignored: 'not a ticket' };
        if ((callback.action ?? '').toLowerCase() === 'deleted')
          return { status: 'accepted', deliveries: [], ignored: 'ticket deleted' };
        if (
          cw.apiMemberIdentifier &&
          callback.memberId?.toLowerCase() === cw.apiMemberIdentifier.toLowerCase() &&
          (callback.action ?? '').toLowerCase() === 'updated'
        ) {
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
    });
  }

  const at = config.autotask;
  if (at.enabled) {
    adapters.set(
      'autotask',
      createAutotaskAdapter(
        {
          baseUrl: at.baseUrl,
          username: at.username,
          secret: at.secret,
          integrationCode: at.integrationCode,
          timeoutMs: at.timeoutMs,
          resetTicket: {
            queueIds: at.resetQueueIds,
            issueTypeIds: at.resetIssueTypeIds.length ? at.resetIssueTypeIds : undefined,
            subIssueTypeIds: at.resetSubIssueTypeIds.length ? at.resetSubIssueTypeIds : undefined,
          },
          fields: {
            target: at.targetField,
            resetPassword: at.resetPasswordField,
            resetMfa: at.resetMfaField,
          },
          notes: {
            noteTypeId: at.noteTypeId,
            customerPublishId: at.customerNotePublishId,
            internalPublishId: at.internalNotePublishId,
            title: at.noteTitle,
          },
          awaitingConfirmation: { statusId: at.awaitingConfirmationStatusId },
          handoff: { queueId: at.handoffQueueId, statusId: at.handoffStatusId },
          sourceEmailIds: at.sourceEmailIds,
          sourcePortalIds: at.sourcePortalIds,
        },
        logger.child({ psa: 'autotask' }),
      ),
    );
    receivers.push({
      psa: 'autotask',
      async receive({ headers, rawBody }) {
        const header = headers['x-hook-signature'];
        if (
          !verifyAutotaskSignature(rawBody, Array.isArray(header) ? header[0] : header, at.webhookSecretKey)
        ) {
          return { status: 'unauthenticated', reason: 'wrong or missing X-Hook-Signature' };
        }
        const read = readDeliveries(rawBody, parseAutotaskWebhook);
        if (!('deliveries' in read)) return read;
        return read.deliveries.length
          ? { status: 'accepted', deliveries: read.deliveries }
          : { status: 'accepted', deliveries: [], ignored: 'ticket deleted' };
      },
    });
  }

  return { adapters, receivers };
}
