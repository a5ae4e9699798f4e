import type { WebhookDelivery } from '../../services/intake/webhook-intake-route.js';
import { errorMessage } from '../../services/domain/errors.js';

/**
 * The tickets a JSON webhook body names, read with the PSA's parser (which throws when it names none), or
 * the bad-request verdict saying why none could be read. Only what the intake uses is kept.
 */
export function readDeliveries(
  rawBody: Buffer,
  parse: (body: unknown) => { deliveries: WebhookDelivery[] },
): { deliveries: WebhookDelivery[] } | { status: 'bad-request'; message: string } {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    return { status: 'bad-request', message: 'No ticket id could be read: the body is not JSON.' };
  }
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
      message: `No ticket id could be read from the webhook: ${errorMessage(err)}`,
    };
  }
}
