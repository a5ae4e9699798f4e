import * as oidc from 'openid-client';
import { isLoopbackHost } from '../../config/config-formats.js';

/**
 * OpenID Connect against the MSP's own Entra tenant: authorization code with PKCE (S256), state and nonce,
 * the client secret at the token endpoint, the ID token's signature, issuer, audience and nonce checked by
 * openid-client. The console sees only the verified claims. Discovery happens at the first sign-in (and
 * again after a failure), so an unreachable tenant never stops the service from starting.
 */
export interface OidcSignIn {
  /** The URL to send the browser to, for a sign-in with these checks. */
  authorizationUrl(checks: { state: string; nonce: string; codeChallenge: string }): Promise<URL>;
  /** Redeems the callback (`currentUrl` rebuilt from the public URL) and returns the ID token's claims. */
  redeem(
    currentUrl: URL,
    checks: { state: string; nonce: string; verifier: string },
  ): Promise<Record<string, unknown>>;
}

export interface OidcSignInOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export function createOidcSignIn(options: OidcSignInOptions): OidcSignIn {
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    const issuer = new URL(options.issuer);
    // Plain http only for an issuer on this machine (a local test provider); config refuses it elsewhere.
    const local = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
    discovered ??= oidc
      .discovery(
        issuer,
        options.clientId,
        undefined,
        oidc.ClientSecretPost(options.clientSecret),
        local ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };
  return {
    async authorizationUrl(checks) {
      return oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: options.redirectUri,
        scope: 'openid profile',
        response_type: 'code',
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: checks.codeChallenge,
        code_challenge_method: 'S256',
      });
    },
    async redeem(currentUrl, checks) {
      const tokens = await oidc.authorizationCodeGrant(await configuration(), currentUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('the token response held no ID token');
      return { ...claims };
    },
  };
}

export const pkce = {
  verifier: () => oidc.randomPKCECodeVerifier(),
  challenge: (verifier: string) => oidc.calculatePKCECodeChallenge(verifier),
  state: () => oidc.randomState(),
  nonce: () => oidc.randomNonce(),
};
