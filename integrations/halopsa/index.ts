import { adapterOptions, commonPlanParts, plannedPsa, psaModule } from '../shared/psa-module.js';
import { channelSourcesFrom } from '../shared/ticket-sources.js';
import { readDeliveries } from '../shared/webhook-deliveries.js';
import { checkHaloOptions, createHaloPsaAdapter } from './halopsa-adapter.js';
import { haloDoctor } from './halopsa-doctor.js';
import { authenticateHaloWebhook, parseHaloWebhook } from './halopsa-webhook.js';

/** The connection settings: the client's options, named alike in the configuration section. */
const CONNECTION = [
  'resourceServerUrl',
  'authServerUrl',
  'tenant',
  'clientId',
  'clientSecret',
  'scope',
  'timeoutMs',
] as const;

/** HaloPSA as the service uses it: the adapter, and the webhook authenticated by HTTP Basic credentials. */
export const halopsaModule = psaModule('halopsa', (h) => {
  const plan = {
    adapter: adapterOptions('halopsa', h, CONNECTION, checkHaloOptions, {
      resetTicketTypeIds: h.resetTicketTypeIds,
      sources: channelSourcesFrom(h),
      outcomes: { customerNoteId: h.customerNoteOutcomeId, internalNoteId: h.internalNoteOutcomeId },
      statuses: {
        awaitingConfirmationId: h.awaitingConfirmationStatusId,
        resolvedId: h.resolvedStatusId,
      },
      handoff: { teamId: h.handoffTeamId, teamName: h.handoffTeamName, statusId: h.handoffStatusId },
    }),
    webhook: { username: h.webhookUsername, password: h.webhookPassword },
    // Halo's numeric source ids differ per instance: without lists only the built-in source names count.
    ...commonPlanParts('halopsa', h, ['emailSources', 'portalSources', 'agentSources']),
  };
  // Halo's Basic credential is in the headers: refused before the body is read.
  const refuse = (headers: { authorization?: string }) =>
    authenticateHaloWebhook(headers.authorization, plan.webhook)
      ? undefined
      : { status: 'unauthenticated' as const, reason: 'wrong or missing Basic credentials' };
  return plannedPsa('halopsa', plan, {
    adapter: (logger) => createHaloPsaAdapter(plan.adapter, logger),
    receiver: () => ({
      psa: 'halopsa',
      authenticateHeaders: refuse,
      async receive({ headers, rawBody }) {
        const refused = refuse(headers);
        if (refused) return refused;
        const read = readDeliveries(rawBody, parseHaloWebhook);
        return 'deliveries' in read ? { status: 'accepted', deliveries: read.deliveries } : read;
      },
    }),
    doctor: (logger) => haloDoctor({ adapter: plan.adapter, retryStatusId: plan.retryStatusId }, logger),
  });
});
