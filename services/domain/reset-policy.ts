import type { ResetPolicy } from './ports.js';
import type { OutcomeCode } from './outcome-codes.js';
import type { Directory, DirectoryUser, RequestChannel } from './ports.js';

/**
 * Who may ask for whom: the procedure's first rule ("do not reset passwords for staff members you do not
 * know personally") turned into checks against the customer's directory. Everything here is decided from
 * the directory and the PSA's records, never from what the request says about itself.
 *
 * Every verdict carries a stable reason code (docs/outcome-codes.md) and the facts it used, so the ticket
 * note and the audit log can say exactly why.
 */
export type PolicyVerdict =
  | {
      kind: 'proceed';
      requester: DirectoryUser;
      target: DirectoryUser;
      /** How the requester is entitled: the target's manager (at which level) or the approver group. */
      entitlement: string;
      evidence: string[];
    }
  | { kind: 'ask-requester'; code: OutcomeCode; question: string; facts: string[]; target?: DirectoryUser }
  | {
      kind: 'hand-off';
      code: OutcomeCode;
      facts: string[];
      target?: DirectoryUser;
      requester?: DirectoryUser;
    }
  | { kind: 'refuse'; code: OutcomeCode; customerMessage: string; facts: string[]; target?: DirectoryUser };

export interface PolicyRequest {
  /** The requester's address on file in the PSA. */
  requesterEmail?: string;
  /** As typed on the form or read from the email: an address, a UPN, or part of a name. */
  targetIdentifier?: string;
  channel: RequestChannel;
  /** The form's attestation field; undefined when the form has none. */
  attested?: boolean;
}

const CANDIDATE_LIMIT = 6;

function isAddress(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function label(u: DirectoryUser): string {
  return `${u.displayName} <${u.userPrincipalName}>`;
}

type Resolved = { kind: 'found'; target: DirectoryUser } | Exclude<PolicyVerdict, { kind: 'proceed' }>;

/** Finds the target by address or UPN: exactly one user must have it. */
async function resolveAddress(identifier: string, directory: Directory): Promise<Resolved> {
  const found = await directory.findUsersByAddress(identifier);
  if (found.length === 1) return { kind: 'found', target: found[0]! };
  if (found.length === 0) {
    return {
      kind: 'hand-off',
      code: 'target-not-found',
      facts: [`No user in the customer's tenant has the UPN or address "${identifier}".`],
    };
  }
  return {
    kind: 'hand-off',
    code: 'target-ambiguous',
    facts: [`${found.length} users match "${identifier}": ${found.map(label).join(', ')}.`],
  };
}

/**
 * The words of a typed name, each the start of a word of the person's names, UPN or mail (the rule of
 * `Directory.searchUsersByName`, applied to a list already read).
 */
export function matchesPartialName(user: DirectoryUser, text: string): boolean {
  const words = text.toLowerCase().split(/\s+/u).filter(Boolean);
  const names = [user.displayName, user.givenName, user.surname, user.userPrincipalName, user.mail]
    .filter((v): v is string => Boolean(v))
    .flatMap((v) => v.toLowerCase().split(/[\s.@_'’-]+/u))
    .filter(Boolean);
  const whole = [user.displayName, user.userPrincipalName, user.mail]
    .filter((v): v is string => Boolean(v))
    .map((v) => v.toLowerCase());
  return (
    words.length > 0 &&
    words.every((w) => names.some((n) => n.startsWith(w)) || whole.some((n) => n.startsWith(w)))
  );
}

/**
 * Finds the target from part of a name, among the people this requester may ask for only: their reports
 * down the manager chain, or the whole tenant for a member of the approver group. Nobody else's name ever
 * reaches the ticket. A partial name is used only when exactly one person matches.
 */
async function resolvePartialName(
  identifier: string,
  directory: Directory,
  requester: DirectoryUser,
  policy: ResetPolicy,
  approver: boolean,
): Promise<Resolved> {
  const scope = approver ? 'in your organisation' : 'among the people you manage';
  const levels = `${policy.managerChainDepth} level${policy.managerChainDepth === 1 ? '' : 's'}`;
  let found: DirectoryUser[];
  if (approver) {
    found = await directory.searchUsersByName(identifier, CANDIDATE_LIMIT);
  } else {
    const reports = await directory.listReports(requester.id, policy.managerChainDepth);
    if (reports.length === 0) {
      return {
        kind: 'hand-off',
        code: 'requester-not-manager',
        requester,
        facts: [
          `Requester in Entra: ${label(requester)} (${requester.id}).`,
          `Nobody reports to the requester in Entra (${levels} checked)${policy.approverGroupId ? ', and they are not in the approver group' : ''}: they may not ask for anyone, so "${identifier}" was not looked up.`,
        ],
      };
    }
    found = reports.filter((u) => matchesPartialName(u, identifier)).slice(0, CANDIDATE_LIMIT);
  }
  if (found.length === 1) return { kind: 'found', target: found[0]! };
  if (found.length === 0) {
    return {
      kind: 'ask-requester',
      code: 'target-not-found',
      question: `We could not find a staff member matching "${identifier}" ${scope}. Please reply with their full work email address.`,
      facts: [
        `No one ${approver ? 'in the tenant' : `reporting to ${label(requester)} (${levels})`} has a name starting with "${identifier}".`,
      ],
    };
  }
  // Only display names and departments: enough to tell people apart, nothing an outsider could use.
  const candidates = found.map((u) => `- ${u.displayName}${u.department ? ` (${u.department})` : ''}`);
  return {
    kind: 'ask-requester',
    code: 'target-ambiguous',
    question: [
      `More than one staff member matches "${identifier}":`,
      ...candidates,
      ...(found.length >= CANDIDATE_LIMIT ? ['- …and possibly others'] : []),
      'Please reply with the full work email address of the person whose account should be reset.',
    ].join('\n'),
    facts: [`Candidates: ${found.map(label).join(', ')}.`],
  };
}

/**
 * The requester: the one enabled user of the customer's tenant whose UPN or mail is the contact's address on
 * file in the PSA (never an address from the request itself).
 */
export async function resolveRequester(
  requesterEmail: string | undefined,
  directory: Directory,
): Promise<{ kind: 'found'; requester: DirectoryUser } | Exclude<PolicyVerdict, { kind: 'proceed' }>> {
  const email = requesterEmail?.trim();
  if (!email) {
    return {
      kind: 'hand-off',
      code: 'requester-missing',
      facts: ['The ticket has no contact with an email address on file.'],
    };
  }
  const requesters = await directory.findUsersByAddress(email);
  if (requesters.length === 0) {
    return {
      kind: 'hand-off',
      code: 'requester-not-found',
      facts: [`No user in the customer's tenant has the address on file <${email}>.`],
    };
  }
  if (requesters.length > 1) {
    return {
      kind: 'hand-off',
      code: 'requester-ambiguous',
      facts: [`${requesters.length} users in the tenant match <${email}>.`],
    };
  }
  const requester = requesters[0]!;
  if (!requester.accountEnabled) {
    return {
      kind: 'hand-off',
      code: 'requester-not-found',
      requester,
      facts: [`The requester's account ${label(requester)} is disabled.`],
    };
  }
  return { kind: 'found', requester };
}

/** True when the policy names an approver group and the requester is in it (directly or nested). */
export async function isApprover(
  requester: DirectoryUser,
  directory: Directory,
  policy: ResetPolicy,
): Promise<boolean> {
  return (
    Boolean(policy.approverGroupId) &&
    (await directory.isMemberOfGroup(requester.id, policy.approverGroupId!))
  );
}

/** Decides whether this requester may have this target reset, in the order the MSP's engineers check. */
export async function evaluateResetRequest(
  request: PolicyRequest,
  directory: Directory,
  policy: ResetPolicy,
): Promise<PolicyVerdict> {
  const found = await resolveRequester(request.requesterEmail, directory);
  if (found.kind !== 'found') return found;
  const requester = found.requester;

  const identifier = request.targetIdentifier?.trim();
  if (!identifier) {
    return {
      kind: 'ask-requester',
      code: 'target-missing',
      question: 'Which staff member should be reset? Please reply with their full work email address.',
      facts: ['The request does not name the staff member.'],
    };
  }
  // The requester's standing decides whose names may be looked at: a partial name is only ever matched
  // among the people this requester could ask for.
  let approver: boolean | undefined;
  let resolved: Resolved;
  if (isAddress(identifier)) {
    resolved = await resolveAddress(identifier, directory);
  } else {
    approver = await isApprover(requester, directory, policy);
    resolved = await resolvePartialName(identifier, directory, requester, policy, approver);
  }
  if (resolved.kind !== 'found') return resolved;
  const target = resolved.target;

  if (requester.id === target.id) {
    return {
      kind: 'refuse',
      code: 'self-request',
      target,
      customerMessage:
        'A reset through this form must be requested by the staff member’s manager. Please ask your manager (or a manager you work with) to request it, or call us.',
      facts: ['The requester and the target are the same account.'],
    };
  }

  // Entitlement: a manager up the chain (to the configured depth) or a member of the approver group.
  const chain = await directory.getManagerChain(target.id, policy.managerChainDepth);
  const level = chain.findIndex((m) => m.id === requester.id);
  let entitlement: string | undefined;
  if (level === 0) entitlement = 'direct manager';
  else if (level > 0) entitlement = `manager ${level + 1} levels up`;
  else if (approver ?? (await isApprover(requester, directory, policy)))
    entitlement = 'member of the approver group';
  if (!entitlement) {
    return {
      kind: 'hand-off',
      code: 'requester-not-manager',
      target,
      requester,
      facts: [
        `Requester in Entra: ${label(requester)} (${requester.id}).`,
        chain.length
          ? `Target's manager chain (${policy.managerChainDepth} level${policy.managerChainDepth === 1 ? '' : 's'} checked): ${chain.map(label).join(' → ')}.`
          : 'The target has no manager set in Entra.',
        ...(policy.approverGroupId ? [`Not a member of the approver group ${policy.approverGroupId}.`] : []),
      ],
    };
  }

  if (!target.accountEnabled) {
    return { kind: 'hand-off', code: 'target-disabled', target, facts: ['accountEnabled=false in Entra.'] };
  }
  if (
    policy.protectedUsers.some(
      (p) => same(p, target.userPrincipalName) || same(p, target.id) || same(p, target.mail),
    )
  ) {
    return {
      kind: 'hand-off',
      code: 'target-protected',
      target,
      facts: ["The target is on this customer's protected list."],
    };
  }
  const privileges = await directory.getPrivileges(target.id);
  const privileged = [
    ...privileges.activeRoles.map((r) => `active role: ${r}`),
    ...privileges.eligibleRoles.map((r) => `PIM-eligible role: ${r}`),
    ...privileges.roleAssignableGroups.map((g) => `role-assignable group: ${g}`),
  ];
  if (privileged.length > 0) {
    return {
      kind: 'hand-off',
      code: 'target-privileged',
      target,
      facts: [`The target is privileged: ${privileged.join('; ')}.`],
    };
  }
  // An app that may not look cannot say "not eligible": only a tenant without PIM can.
  if (privileges.eligibility === 'not-readable') {
    return {
      kind: 'hand-off',
      code: 'target-privileges-unknown',
      target,
      facts: [
        `The app may not read PIM role eligibility in this tenant (${privileges.eligibilityProblem ?? 'refused'}): an eligible admin cannot be told apart from staff.`,
        'Consent the Microsoft Graph application permission RoleManagement.Read.Directory (or RoleEligibilitySchedule.Read.Directory) for the app in this tenant.',
      ],
    };
  }
  if (privileges.eligibility === 'no-pim-licence' && policy.requireEligibilityCheck) {
    return {
      kind: 'hand-off',
      code: 'target-privileges-unknown',
      target,
      facts: [
        'The tenant has no Entra ID P2 / Governance licence, so PIM eligibility cannot be read, and the policy requires it.',
      ],
    };
  }

  // Email and unclassified requests are confirmed through the link instead; forms carry the attestation.
  const fromForm = request.channel === 'portal' || request.channel === 'agent';
  if (policy.requireAttestation && fromForm && request.attested !== true) {
    return {
      kind: 'ask-requester',
      code: 'attestation-missing',
      target,
      question: `Before we reset ${target.displayName}'s account, please confirm you have spoken to them: tick "I have spoken to this person" on the request form. Nothing has been reset yet.`,
      facts: ["The customer requires the requester's attestation and the form does not carry it."],
    };
  }

  return {
    kind: 'proceed',
    requester,
    target,
    entitlement,
    evidence: [
      `Requester ${label(requester)} is the target's ${entitlement}.`,
      `Target ${label(target)}: enabled, not protected, no admin role${privileges.eligibility === 'read' ? ' (active or eligible)' : ' (active; the tenant has no PIM licence)'}.`,
    ],
  };
}
