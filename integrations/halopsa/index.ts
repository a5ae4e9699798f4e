import { enabledPsaSection } from '../../config/load-config.js';
import type { PsaModule } from '../shared/psa-module.js';
import { checkAdapterOptions, statusText, resetFormFields } from '../shared/psa-module.js';
import { channelSourcesFrom } from '../shared/ticket-sources.js';
import { readDeliveries } from '../shared/webhook-deliveries.js';
import { checkHaloOptions, createHaloPsaAdapter } from './halopsa-adapter.js';
import { haloDoctor } from './halopsa-doctor.js';
import { authenticateHaloWebhook, parseHaloWebhook } from './halopsa-webhook.js';

/** HaloPSA as the service uses it: the adapter, and the webhook authenticated by HTTP Basic credentials. */
export const halopsaModule: PsaModule = {
  kind: 'halopsa',
  planFrom(config) {
    const h = enabledPsaSection(config, 'halopsa');
    if (!h) return undefined;
    const lists = { email: h.emailSources, portal: h.portalSources, agent: h.agentSources };
    const plan = {
      adapter: checkAdapterOptions(
        'halopsa',
        {
          resourceServerUrl: h.resourceServerUrl,
          authServerUrl: h.authServerUrl,
          tenant: h.tenant,
          clientId: h.clientId,
          clientSecret: h.clientSecret,
          scope: h.scope,
          timeoutMs: h.timeoutMs,
          resetTicketTypeIds: h.resetTicketTypeIds,
          fields: resetFormFields(h),
          sources: channelSourcesFrom(lists),
          outcomes: { customerNoteId: h.customerNoteOutcomeId, internalNoteId: h.internalNoteOutcomeId },
          statuses: {
            awaitingConfirmationId: h.awaitingConfirmationStatusId,
            resolvedId: h.resolvedStatusId,
          },
          handoff: { teamId: h.handoffTeamId, teamName: h.handoffTeamName, statusId: h.handoffStatusId },
        },
        checkHaloOptions,
      ),
      webhook: { username: h.webhookUsername, password: h.webhookPassword },
      retryStatusId: statusText(h.retryStatusId),
      // Halo's numeric source ids differ per instance: without lists only the built-in source names count.
      unsetResolvedStatusKey:
        h.resolvedStatusId == null ? 'halopsa.resolvedStatusId (HALOPSA_RESOLVED_STATUS_ID)' : undefined,
      unclassifiedSourcesHint: channelSourcesFrom(lists)
        ? undefined
        : 'halopsa.emailSources, halopsa.portalSources, halopsa.agentSources',
    };
    return {
      kind: 'halopsa',
      plan,
      build(logger) {
        const expected = plan.webhook;
        // Halo's Basic credential is in the headers: refused before the body is read.
        const refuse = (headers: { authorization?: string }) =>
          authenticateHaloWebhook(headers.authorization, expected)
            ? undefined
            : { status: 'unauthenticated' as const, reason: 'wrong or missing Basic credentials' };
        return {
          adapter: createHaloPsaAdapter(plan.adapter, logger.child({ psa: 'halopsa' })),
          receiver: {
            psa: 'halopsa',
            authenticateHeaders: refuse,
            async receive({ headers, rawBody }) {
              const refused = refuse(headers);
              if (refused) return refused;
              const read = readDeliveries(rawBody, parseHaloWebhook);
              return 'deliveries' in read ? { status: 'accepted', deliveries: read.deliveries } : read;
            },
          },
        };
      },
      doctor: (logger) => haloDoctor({ adapter: plan.adapter, retryStatusId: plan.retryStatusId }, logger),
    };
  },
};
