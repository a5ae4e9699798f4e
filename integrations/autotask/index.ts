import { adapterOptions, commonPlanParts, plannedPsa, psaModule } from '../shared/psa-module.js';
import { readDeliveries } from '../shared/webhook-deliveries.js';
import { AUTOTASK_NAMED_SETTINGS, checkAutotaskOptions, createAutotaskAdapter } from './autotask-adapter.js';
import { autotaskDoctor } from './autotask-doctor.js';
import { parseAutotaskWebhook, verifyAutotaskSignature } from './autotask-webhook.js';

/** Autotask as the service uses it: the adapter, and the webhook signed with `X-Hook-Signature`. */
export const autotaskModule = psaModule('autotask', (at) => {
  const plan = {
    adapter: adapterOptions('autotask', at, AUTOTASK_NAMED_SETTINGS, checkAutotaskOptions, {
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
    }),
    webhook: { secretKey: at.webhookSecretKey },
    // Autotask's source picklist has no names to fall back on: without ids every ticket is unclassified.
    ...commonPlanParts('autotask', at, ['sourceEmailIds', 'sourcePortalIds', 'sourceAgentIds']),
  };
  return plannedPsa('autotask', plan, {
    adapter: (logger) => createAutotaskAdapter(plan.adapter, logger),
    receiver: () => ({
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
    }),
    doctor: (logger) => autotaskDoctor({ adapter: plan.adapter, retryStatusId: plan.retryStatusId }, logger),
  });
});
