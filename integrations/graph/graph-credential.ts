import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';

/** Who the app is and where it signs in: the Graph part of the wiring plan. */
export interface GraphConnection {
  baseUrl: string;
  authorityHost: string;
  clientId: string;
  clientSecret?: string;
  certificatePath?: string;
  timeoutMs: number;
  disableInstanceDiscovery: boolean;
}

/**
 * The app's credential for one customer tenant: the certificate when one is configured (recommended), else the
 * client secret, with the authority and instance-discovery options of the plan. These are the credential
 * classes and options the Graph adapter builds its clients with, so `resetdesk doctor` gets the token the
 * service would get.
 */
export function createGraphCredential(options: GraphConnection, tenantId: string): TokenCredential {
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
