import { enabledPsaSection } from '../../config/load-config.js';
import type { PsaModule } from '../shared/psa-module.js';
import { checkAdapterOptions, statusText, resetFormFields } from '../shared/psa-module.js';
import { readDeliveries } from '../shared/webhook-deliveries.js';
import { checkAutotaskOptions, createAutotaskAdapter } from './autotask-adapter.js';
import { autotaskDoctor } from './autotask-doctor.js';
import { parseAutotaskWebhook, verifyAutotaskSignature } from './autotask-webhook.js';

/** Autotask as the service uses it: the adapter, and the webhook signed with `X-Hook-Signature`. */
export const autotaskModule: PsaModule = {
  kind: 'autotask',
  planFrom(config) {
    const at = enabledPsaSection(config, 'autotask');
    if (!at) return undefined;
    const plan = {
      adapter: checkAdapterOptions(
        'autotask',
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
          fields: resetFormFields(at),
          notes: {
            noteTypeId: at.noteTypeId,
            customerPublishId: at.customerNotePublishId,
            internalPublishId: at.internalNotePublishId,
            title: at.noteTitle,
          },
          awaitingConfirmation: { statusId: at.awaitingConfirmationStatusId },
          resolved: { statusId: at.resolvedStatusId },
          handoff: { queueId: at.handoffQueueId, statusId: at.handoffStatusId },
          sourceEmailIds: at.sourceEmailIds,
          sourcePortalIds: at.sourcePortalIds,
          sourceAgentIds: at.sourceAgentIds,
        },
        checkAutotaskOptions,
      ),
      webhook: { secretKey: at.webhookSecretKey },
      retryStatusId: statusText(at.retryStatusId),
      // Autotask's source picklist has no names to fall back on: without ids every ticket is unclassified.
      unsetResolvedStatusKey:
        at.resolvedStatusId == null ? 'autotask.resolvedStatusId (AUTOTASK_RESOLVED_STATUS_ID)' : undefined,
      unclassifiedSourcesHint:
        at.sourceEmailIds.length + at.sourcePortalIds.length + at.sourceAgentIds.length === 0
          ? 'autotask.sourceEmailIds, autotask.sourcePortalIds, autotask.sourceAgentIds'
          : undefined,
    };
    return {
      kind: 'autotask',
      plan,
      build(logger) {
        return {
          adapter: createAutotaskAdapter(plan.adapter, logger.child({ psa: 'autotask' })),
          receiver: {
            psa: 'autotask',
            async receive({ headers, rawBody }) {
              const header = headers['x-hook-signature'];
              const signature = Array.isArray(header) ? header[0] : header;
              if (!verifyAutotaskSignature(rawBody, signature, plan.webhook.secretKey)) {
                return { status: 'unauthenticated', reason: 'wrong or missing X-Hook-Signature' };
              }
              const read = readDeliveries(rawBody, parseAutotaskWebhook);
              if (!('deliveries' in read)) return read;
              return read.deliveries.length
                ? { status: 'accepted', deliveries: read.deliveries }
                : { status: 'accepted', deliveries: [], ignored: 'ticket deleted' };
            },
          },
        };
      },
      doctor: (logger) =>
        autotaskDoctor({ adapter: plan.adapter, retryStatusId: plan.retryStatusId }, logger),
    };
  },
};
