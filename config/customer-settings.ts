import { z } from 'zod';
import { PSA_SECTIONS } from './psa-sections.js';

/** An Entra object or tenant id (a GUID, any case). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Who may ask for what, per customer (docs/policy.md explains each rule). The `policy` section of the
 * config file gives the defaults; a customer's own `policy` object overrides any of them.
 */
export const policySchema = z
  .object({
    /** How far up the requester may be in the target's manager chain: 1 = direct manager only. */
    managerChainDepth: z.number().int().min(1).max(10),
    /** Entra group (object id) whose members may ask for anyone in the tenant, besides the managers. */
    approverGroupId: z
      .string()
      .regex(GUID_PATTERN, 'approverGroupId must be a group object id (GUID)')
      .optional(),
    /** UPNs or object ids never reset automatically (executives, shared accounts, break-glass accounts). */
    protectedUsers: z.array(z.string().min(1)).max(1000),
    /** The portal form's "I have spoken to this person" field must be set. */
    requireAttestation: z.boolean(),
    /** Accept requests that arrive by email (they always wait for the manager's confirmation). */
    allowEmailRequests: z.boolean(),
    /** How long a manager has to confirm an email request before it goes to an engineer. */
    confirmationTtlMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60),
    /**
     * Hand off when the tenant has no PIM licence, so eligibility cannot be read at all (instead of treating
     * the target as not eligible). Eligibility the app may not read always hands off.
     */
    requireEligibilityCheck: z.boolean(),
    /**
     * What happens to a ticket whose source matches no configured channel (it may have been an email):
     * `verify-as-email` gives it the email path's checks (sender on file, the manager's confirmation);
     * `hand-off` sends it to an engineer.
     */
    unclassifiedRequests: z.enum(['verify-as-email', 'hand-off']),
    /** Resets one requester may ask for within the window before the rest go to an engineer. */
    requesterLimit: z
      .object({ count: z.number().int().min(1).max(1000), windowMinutes: z.number().int().min(1).max(10080) })
      .strict(),
    /** Resets for one customer within the window before the rest go to an engineer. */
    customerLimit: z
      .object({
        count: z.number().int().min(1).max(100000),
        windowMinutes: z.number().int().min(1).max(10080),
      })
      .strict(),
  })
  .strict();

export type ResetPolicy = z.infer<typeof policySchema>;

export const DEFAULT_POLICY: ResetPolicy = {
  managerChainDepth: 2,
  protectedUsers: [],
  requireAttestation: false,
  allowEmailRequests: true,
  confirmationTtlMinutes: 60,
  requireEligibilityCheck: false,
  unclassifiedRequests: 'verify-as-email',
  requesterLimit: { count: 5, windowMinutes: 60 },
  customerLimit: { count: 30, windowMinutes: 60 },
};

/**
 * How far the service acts for a customer, in the order a customer is usually taken through them (the
 * domain's RolloutMode): its tickets left alone, decided but nothing changed, worked.
 */
export const ROLLOUT_MODES = ['off', 'dry-run', 'on'] as const;
export type RolloutModeSetting = (typeof ROLLOUT_MODES)[number];

/**
 * How temporary passwords are drawn (the generator's PasswordFormat): capitalised list words, one separator
 * drawn from `separators` and repeated between the parts, a number of `digits` digits.
 */
export interface PasswordFormatSettings {
  words: number;
  separators: string;
  digits: number;
}

/** The built-in format: `Maple#Rocket#Canyon#47`. */
export const DEFAULT_PASSWORD_FORMAT_SETTINGS: Readonly<PasswordFormatSettings> = Object.freeze({
  words: 3,
  separators: '-!#%+=?@',
  digits: 2,
});

/** Bounds of a format's counts; whether a format meets the tenant floor is checked once merged (app/). */
export const PASSWORD_FORMAT_BOUNDS = Object.freeze({ words: [1, 10], digits: [0, 8] } as const);

/** A password format as written in the file: its shape only (see PASSWORD_FORMAT_BOUNDS). */
export const passwordFormatSchema = z
  .object({
    words: z.number().int().min(PASSWORD_FORMAT_BOUNDS.words[0]).max(PASSWORD_FORMAT_BOUNDS.words[1]),
    separators: z.string().max(32),
    digits: z.number().int().min(PASSWORD_FORMAT_BOUNDS.digits[0]).max(PASSWORD_FORMAT_BOUNDS.digits[1]),
  })
  .strict();

/**
 * A customer's Temporary Access Pass setting, over the service-wide `temporaryAccessPass` section: when
 * `enabled` and MFA is reset, a pass is issued after the MFA methods are removed and delivered through the
 * same secure link. `whenUnavailable`: what happens when the tenant's TAP policy refuses one (`hand-off` to
 * the engineers, or `open-registration`: go on without a pass; MFA registration is open at the next sign-in).
 */
export const temporaryAccessPassSchema = z
  .object({
    enabled: z.boolean(),
    /** Graph's bounds for a pass's lifetime: 10 minutes to 30 days. */
    lifetimeMinutes: z.number().int().min(10).max(43200),
    usableOnce: z.boolean(),
    whenUnavailable: z.enum(['hand-off', 'open-registration']),
  })
  .strict();

export type TemporaryAccessPass = z.infer<typeof temporaryAccessPassSchema>;

/** Built-in defaults of the service-wide section (config/schema/temporary-access-pass-schema.ts). */
export const DEFAULT_TEMPORARY_ACCESS_PASS: TemporaryAccessPass = {
  enabled: false,
  lifetimeMinutes: 480,
  usableOnce: true,
  whenUnavailable: 'hand-off',
};

/**
 * One customer of the MSP: which PSA customer record maps to which Entra tenant, and the settings that may
 * differ per customer. Kept in the JSON config file (structure), never in env vars.
 */
export const customerSchema = z
  .object({
    /** A short name for logs and notes, e.g. "contoso". */
    name: z.string().min(1).max(100),
    psa: z.enum(PSA_SECTIONS),
    /** The PSA's id of the customer (Halo client id, ConnectWise company id, Autotask company id). */
    psaCustomerId: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
    /** The customer's Entra tenant id (a GUID). */
    tenantId: z.string().regex(GUID_PATTERN, 'tenantId must be the Entra tenant GUID'),
    /** Override of secureLink.ttlHours for this customer. */
    secureLinkTtlHours: z.number().int().min(1).max(336).optional(),
    /** Override of secureLink.maxViews for this customer. */
    secureLinkMaxViews: z.number().int().min(1).max(20).optional(),
    /**
     * The PSA status this customer's tickets move to once the staff member is back in, overriding the PSA's
     * `resolvedStatusId`. Every supported PSA numbers its statuses, so it is a positive integer (or its digits).
     */
    resolvedStatusId: z
      .union([
        z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
        z
          .string()
          .regex(/^[1-9]\d{0,14}$/, 'resolvedStatusId must be a status id of the PSA (a positive integer)'),
      ])
      .transform(String)
      .optional(),
    /**
     * When the staff member answers the notice of their reset with "this wasn't me": block sign-in as well as
     * revoking sessions (default false; not possible in the cloud for an account synced from on-premises AD).
     */
    blockSignInOnDisavow: z.boolean().optional(),
    /** Overrides of the default policy for this customer. */
    policy: policySchema.partial().optional(),
    /** Overrides of the service-wide temporary password format for this customer. */
    passwordFormat: passwordFormatSchema.partial().optional(),
    /** Overrides rollout.defaultMode for this customer. */
    mode: z.enum(ROLLOUT_MODES).optional(),
    /** Temporary Access Pass for MFA recovery (README, "Temporary Access Pass"). Off unless enabled. */
    temporaryAccessPass: temporaryAccessPassSchema.partial().optional(),
  })
  .strict();

export type CustomerSettings = z.infer<typeof customerSchema>;

/** A customer as the use case sees it: its pass setting is the service-wide one with its own on top. */
export type EffectiveCustomerSettings = Omit<CustomerSettings, 'temporaryAccessPass'> & {
  temporaryAccessPass: TemporaryAccessPass;
};

export const customerListSchema = z.array(customerSchema).superRefine((customers, ctx) => {
  const seen = new Set<string>();
  customers.forEach((c, index) => {
    const key = `${c.psa}:${c.psaCustomerId}`;
    if (seen.has(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'psaCustomerId'],
        message: `duplicate customer ${key}: one PSA customer maps to exactly one tenant`,
      });
    }
    seen.add(key);
  });
});

/**
 * Explains a zod failure in one line that names the offending entry, and the customer by name when the
 * entry has one, e.g. `customers[2].tenantId (customer "fabrikam"): ...`.
 */
export function describeCustomerErrors(error: z.ZodError, customers?: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      const [index] = issue.path;
      const entry = Array.isArray(customers) && typeof index === 'number' ? customers[index] : undefined;
      const name = (entry as { name?: unknown } | undefined)?.name;
      const who = typeof name === 'string' ? ` (customer ${JSON.stringify(name)})` : '';
      return `customers${path.startsWith('[') ? '' : '.'}${path}${who}: ${issue.message}`;
    })
    .join('; ');
}

/** The service-wide settings a customer's own override. */
export interface CustomerDefaults {
  passwordFormat: PasswordFormatSettings;
  mode: RolloutModeSetting;
  temporaryAccessPass: TemporaryAccessPass;
}

export const BUILT_IN_CUSTOMER_DEFAULTS: CustomerDefaults = {
  passwordFormat: DEFAULT_PASSWORD_FORMAT_SETTINGS,
  mode: 'on',
  temporaryAccessPass: DEFAULT_TEMPORARY_ACCESS_PASS,
};

/** One configuration's customers, fixed once made (a reload makes a new one: see customer-reload.ts). */
export class CustomerDirectory {
  private readonly byPsaCustomer = new Map<string, EffectiveCustomerSettings>();

  constructor(
    customers: CustomerSettings[],
    private readonly defaultPolicy: ResetPolicy = DEFAULT_POLICY,
    private readonly defaults: CustomerDefaults = BUILT_IN_CUSTOMER_DEFAULTS,
  ) {
    for (const c of customers) {
      this.byPsaCustomer.set(`${c.psa}:${c.psaCustomerId}`, {
        ...c,
        temporaryAccessPass: { ...this.defaults.temporaryAccessPass, ...c.temporaryAccessPass },
      });
    }
  }

  /** The customer's temporary password format: the service-wide one with the customer's own on top. */
  passwordFormatFor(customer: CustomerSettings): PasswordFormatSettings {
    return { ...this.defaults.passwordFormat, ...customer.passwordFormat };
  }

  /** The customer's roll-out mode: its own, else the service-wide default. */
  modeFor(customer: CustomerSettings): RolloutModeSetting {
    return customer.mode ?? this.defaults.mode;
  }

  /** The customer's effective policy: the defaults with the customer's overrides on top. */
  policyFor(customer: CustomerSettings): ResetPolicy {
    return { ...this.defaultPolicy, ...customer.policy } as ResetPolicy;
  }

  /** The customer a PSA customer id belongs to, or undefined when the MSP has not mapped it. */
  find(psa: CustomerSettings['psa'], psaCustomerId: string): EffectiveCustomerSettings | undefined {
    return this.byPsaCustomer.get(`${psa}:${psaCustomerId}`);
  }
}
