import type { SignInState } from './ports.js';

/**
 * Reading `Directory.readSignInState` against what was true right after a reset. A pure function of the two
 * readings: it says what was seen, and every doubt is `unknown`, never "back in".
 */

/** What a follow-up check keeps from the reset (no secret; fits in job data). */
export interface SignInBaseline {
  /** When the reset began, before its first write (ISO 8601 UTC). */
  resetAt: string;
  /** `lastPasswordChangeDateTime` read after the reset, when there was one. */
  passwordChangedAt?: string;
  /** The forced-change flag read after the reset (a reset by resetdesk sets it, so anything else is a doubt). */
  forceChangeAfterReset: SignInState['password']['forceChange'];
  /** Ids of the methods registered after the MFA removal (and after a pass was issued); undefined when unread. */
  methodIds?: string[];
}

/** `yes` / `no`: seen or not seen (yet); `unknown`: the directory could not say. */
export type Seen = 'yes' | 'no' | 'unknown';

export interface SignInEvidence {
  /** The staff member set a password of their own after the reset. */
  passwordChanged: Seen;
  /** A method that works as a second factor was registered after the reset. */
  strongMethodRegistered: Seen;
  /** A successful sign-in after the reset (sign-in activity lags by hours: `no` proves nothing yet). */
  signedIn: Seen;
  /** The kinds of the new strong methods, for the note. */
  newStrongMethods: string[];
}

/**
 * Method kinds that count as a second factor registered again: what Entra counts as MFA-capable. Not the
 * email method (self-service reset only), not a Temporary Access Pass (a bootstrap credential, possibly
 * ours), not the QR code + PIN (a first factor for shared devices), and not a kind this list does not know.
 */
export const STRONG_METHOD_KINDS: ReadonlySet<string> = new Set([
  'microsoftAuthenticatorAuthenticationMethod',
  'passwordlessMicrosoftAuthenticatorAuthenticationMethod',
  'fido2AuthenticationMethod',
  'windowsHelloForBusinessAuthenticationMethod',
  'platformCredentialAuthenticationMethod',
  'softwareOathAuthenticationMethod',
  'hardwareOathAuthenticationMethod',
  'phoneAuthenticationMethod',
  'externalAuthenticationMethod',
]);

/** The baseline of a reading taken right after the reset (and the MFA removal, and any pass issued). */
export function signInBaseline(afterReset: SignInState, resetAt: Date): SignInBaseline {
  return {
    resetAt: resetAt.toISOString(),
    ...(afterReset.password.lastChangedAt ? { passwordChangedAt: afterReset.password.lastChangedAt } : {}),
    forceChangeAfterReset: afterReset.password.forceChange,
    ...(afterReset.methods.state === 'read' ? { methodIds: afterReset.methods.items.map((m) => m.id) } : {}),
  };
}

const after = (value: string | undefined, threshold: string): boolean | undefined => {
  if (value === undefined) return undefined;
  const a = Date.parse(value);
  const b = Date.parse(threshold);
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : a > b;
};

export function assessSignIn(now: SignInState, baseline: SignInBaseline): SignInEvidence {
  const strong = strongMethods(now, baseline);
  return {
    passwordChanged: passwordChanged(now, baseline),
    strongMethodRegistered: strong.seen,
    signedIn:
      now.signIn.state !== 'read'
        ? 'unknown'
        : (after(now.signIn.lastSuccessfulAt, baseline.resetAt) ?? false)
          ? 'yes'
          : 'no',
    newStrongMethods: strong.kinds,
  };
}

/**
 * Changed by the staff member: the forced change is no longer pending and the last change is later than the
 * one read after the reset (or than the reset, when none was read). Still pending is `no`. Unknown: the flag
 * was not seen pending after the reset (so "not pending" may be an app that cannot read it), the flag or
 * the time is unreadable now, or the flag cleared without the time moving.
 */
function passwordChanged(now: SignInState, baseline: SignInBaseline): Seen {
  const { forceChange, lastChangedAt } = now.password;
  if (forceChange === 'pending') return 'no';
  if (baseline.forceChangeAfterReset !== 'pending' || forceChange !== 'not-pending') return 'unknown';
  return after(lastChangedAt, baseline.passwordChangedAt ?? baseline.resetAt) === true ? 'yes' : 'unknown';
}

/**
 * New: an id not in the baseline's, or (without a baseline list) a registration time after the reset. A
 * strong method that is neither provably new nor provably old makes the answer `unknown` unless another one
 * is provably new.
 */
function strongMethods(now: SignInState, baseline: SignInBaseline): { seen: Seen; kinds: string[] } {
  if (now.methods.state !== 'read') return { seen: 'unknown', kinds: [] };
  const known = baseline.methodIds ? new Set(baseline.methodIds) : undefined;
  const kinds: string[] = [];
  let doubt = false;
  for (const method of now.methods.items) {
    if (!STRONG_METHOD_KINDS.has(method.kind)) continue;
    const isNew = known ? !known.has(method.id) : after(method.createdAt, baseline.resetAt);
    if (isNew === true) kinds.push(method.kind);
    else if (isNew === undefined) doubt = true;
  }
  return { seen: kinds.length > 0 ? 'yes' : doubt ? 'unknown' : 'no', kinds: [...new Set(kinds)] };
}
