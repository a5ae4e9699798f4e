import { ConfigError, enabledPsaSection } from '../../config/load-config.js';
import type { PsaModule } from '../shared/psa-module.js';
import { checkAdapterOptions, statusText, resetFormFields } from '../shared/psa-module.js';
import { channelSourcesFrom } from '../shared/ticket-sources.js';
import { checkConnectWiseOptions, createConnectWiseAdapter } from './connectwise-adapter.js';
import { createCallbackKeyFetcher, isAllowedKeyUrl } from './connectwise-callback-keys.js';
import { connectWiseDoctor } from './connectwise-doctor.js';
import { connectWiseReceiver } from './connectwise-webhook-receiver.js';

/** ConnectWise PSA as the service uses it: the adapter, and callbacks verified with the key behind key_url. */
export const connectwiseModule: PsaModule = {
  kind: 'connectwise',
  planFrom(config) {
    const cw = enabledPsaSection(config, 'connectwise');
    if (!cw) return undefined;
    try {
      isAllowedKeyUrl('https://origin-check.invalid/', cw.keyUrlAllowedOrigins);
    } catch (err) {
      throw new ConfigError(
        `connectwise.keyUrlAllowedOrigins (CONNECTWISE_KEY_URL_ALLOWED_ORIGINS): ${(err as Error).message}`,
      );
    }
    const lists = { email: cw.emailSources, portal: cw.portalSources, agent: cw.agentSources };
    const plan = {
      adapter: checkAdapterOptions(
        'connectwise',
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
          fields: resetFormFields(cw),
          sources: channelSourcesFrom(lists),
          awaitingConfirmation: { statusId: cw.awaitingConfirmationStatusId },
          resolved: { statusId: cw.resolvedStatusId },
          apiMemberIdentifier: cw.apiMemberIdentifier,
          handoff: {
            boardId: cw.handoffBoardId,
            statusId: cw.handoffStatusId,
            teamId: cw.handoffTeamId,
            ownerIdentifier: cw.handoffOwnerIdentifier,
          },
        },
        checkConnectWiseOptions,
      ),
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
      retryStatusId: statusText(cw.retryStatusId),
      unsetResolvedStatusKey:
        cw.resolvedStatusId == null
          ? 'connectwise.resolvedStatusId (CONNECTWISE_RESOLVED_STATUS_ID)'
          : undefined,
      unclassifiedSourcesHint: channelSourcesFrom(lists)
        ? undefined
        : 'connectwise.emailSources, connectwise.portalSources, connectwise.agentSources',
    };
    return {
      kind: 'connectwise',
      plan,
      build(logger) {
        return {
          adapter: createConnectWiseAdapter(plan.adapter, logger.child({ psa: 'connectwise' })),
          receiver: connectWiseReceiver(plan.callbacks, createCallbackKeyFetcher(plan.callbacks.keyFetcher)),
        };
      },
      doctor: (logger) =>
        connectWiseDoctor(
          {
            adapter: plan.adapter,
            retryStatusId: plan.retryStatusId,
            apiMemberIdentifier: plan.callbacks.apiMemberIdentifier,
          },
          logger,
        ),
    };
  },
};
