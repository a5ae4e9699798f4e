import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';

/** How to reach Microsoft Graph and Entra ID, and who the app is: the Graph part of the wiring plan. */
export interface GraphOptions {
  /** Graph root without version, e.g. https://graph.microsoft.com (or a national cloud, or a simulator). */
  baseUrl: string;
  /** Entra authority, e.g. https://login.microsoftonline.com. */
  authorityHost: string;
  clientId: string;
  /** Used only when `certificatePath` is not set. */
  clientSecret?: string;
  /** PEM file with the certificate and its private key; preferred over a secret. */
  certificatePath?: string;
  /** Per-request limit, token acquisition included. */
  timeoutMs: number;
  /** True for simulators and sovereign setups whose authority is not known to login.microsoft.com. */
  disableInstanceDiscovery: boolean;
}

/**
 * The app's credential for one customer tenant: the certificate when one is configured (recommended), else the
 * client secret, with the authority and instance-discovery options of the plan. These are the credential
 * classes and options the Graph adapter builds its clients with, so `resetdesk doctor` gets the token the
 * service would get.
 */
export function createGraphCredential(options: GraphOptions, tenantId: string): TokenCredential {
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
