import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import type { GraphOptions } from './graph-directory.js';

/**
 * The app's credential for one customer tenant: the certificate when one is configured (recommended), else the
 * client secret. The service and `resetdesk doctor` both get their tokens through this, so the doctor tests
 * exactly what the service will use.
 */
export function createGraphCredential(
  options: Pick<
    GraphOptions,
    'authorityHost' | 'disableInstanceDiscovery' | 'clientId' | 'clientSecret' | 'certificatePath'
  >,
  tenantId: string,
): TokenCredential {
  const credentialOptions = {
    authorityHost: options.authorityHost,
    disableInstanceDiscovery: options.disableInstanceDiscovery,
  };
  return options.certificatePath
    ? new ClientCertificateCredential(
        tenantId,
        options.clientId,
        { certificatePath: options.certificatePath },
        credentialOptions,
      )
    : new ClientSecretCredential(tenantId, options.clientId, options.clientSecret ?? '', credentialOptions);
}

/** The `.default` scope of the Graph root the app calls (national clouds and simulators included). */
export function graphScope(baseUrl: string): string {
  return `${new URL(baseUrl).origin}/.default`;
}
