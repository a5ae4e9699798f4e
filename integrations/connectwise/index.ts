import { ConfigError } from '../../config/load-config.js';
import { adapterOptions, commonPlanParts, plannedPsa, psaModule } from '../shared/psa-module.js';
import { channelSourcesFrom } from '../shared/ticket-sources.js';
import {
  CONNECTWISE_NAMED_SETTINGS,
  checkConnectWiseOptions,
  createConnectWiseAdapter,
} from './connectwise-adapter.js';
import { createCallbackKeyFetcher, isAllowedKeyUrl } from './connectwise-callback-keys.js';
import { connectWiseDoctor } from './connectwise-doctor.js';
import { connectWiseReceiver } from './connectwise-webhook-receiver.js';

/** ConnectWise PSA as the service uses it: the adapter, and callbacks verified with the key behind key_url. */
export const connectwiseModule = psaModule('connectwise', (cw) => {
  try {
    isAllowedKeyUrl('https://origin-check.invalid/', cw.keyUrlAllowedOrigins);
  } catch (err) {
    throw new ConfigError(
      `connectwise.keyUrlAllowedOrigins (CONNECTWISE_KEY_URL_ALLOWED_ORIGINS): ${(err as Error).message}`,
    );
  }
  const plan = {
    adapter: adapterOptions('connectwise', cw, CONNECTWISE_NAMED_SETTINGS, checkConnectWiseOptions, {
      sources: channelSourcesFrom(cw),
      awaitingConfirmation: { statusId: cw.awaitingConfirmationStatusId },
      resolved: { statusId: cw.resolvedStatusId },
      apiMemberIdentifier: cw.apiMemberIdentifier,
      handoff: {
        boardId: cw.handoffBoardId,
        statusId: cw.handoffStatusId,
        teamId: cw.handoffTeamId,
        ownerIdentifier: cw.handoffOwnerIdentifier,
      },
    }),
    callbacks: {
      companyId: cw.companyId,
      apiMemberIdentifier: cw.apiMemberIdentifier,
      keyFetcher: {
        allowedOrigins: cw.keyUrlAllowedOrigins,
        clientId: cw.clientId,
        // ConnectWise gives up after 5 s: the key fetch must leave time to queue.
        timeoutMs: 2000,
        maxBytes: 16 * 1024,
        cacheTtlMs: 10 * 60_000,
        companyId: cw.companyId,
        maxKeyUrlsPerMinute: cw.keyUrlFetchesPerMinute,
      },
    },
    ...commonPlanParts('connectwise', cw, ['emailSources', 'portalSources', 'agentSources']),
  };
  return plannedPsa('connectwise', plan, {
    adapter: (logger) => createConnectWiseAdapter(plan.adapter, logger),
    receiver: () => connectWiseReceiver(plan.callbacks, createCallbackKeyFetcher(plan.callbacks.keyFetcher)),
    doctor: (logger) =>
      connectWiseDoctor(
        {
          adapter: plan.adapter,
          retryStatusId: plan.retryStatusId,
          apiMemberIdentifier: plan.callbacks.apiMemberIdentifier,
        },
        logger,
      ),
  });
});
