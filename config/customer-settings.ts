import { z } from 'zod';

/**
 * One customer of the MSP: which PSA customer record maps to which Entra tenant, and the settings that may
 * differ per customer. Kept in the JSON config file (structure), never in env vars.
 */
export const customerSchema = z
  .object({
    /** A short name for logs and notes, e.g. "contoso". */
    name: z.string().min(1).max(100),
    psa: z.enum(['halopsa', 'connectwise', 'autotask']),
    /** The PSA's id of the customer (Halo client id, ConnectWise company id, Autotask company id). */
    psaCustomerId: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
    /** The customer's Entra tenant id (a GUID). */
    tenantId: z
      .string()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'tenantId must be the Entra tenant GUID',
      ),
    /** Override of secureLink.ttlHours for this customer. */
    secureLinkTtlHours: z.number().int().min(1).max(336).optional(),
    /** Override of secureLink.maxViews for this customer. */
    secureLinkMaxViews: z.number().int().min(1).max(20).optional(),
  })
  .strict();

export type CustomerSettings = z.infer<typeof customerSchema>;

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

/** Explains a zod failure in one line that names the offending entry, e.g. "customers[2].tenantId: ...". */
export function describeCustomerErrors(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      return `customers${path.startsWith('[') ? '' : '.'}${path}: ${issue.message}`;
    })
    .join('; ');
}

export class CustomerDirectory {
  private readonly byPsaCustomer = new Map<string, CustomerSettings>();

  constructor(customers: CustomerSettings[]) {
    for (const c of customers) this.byPsaCustomer.set(`${c.psa}:${c.psaCustomerId}`, c);
  }

  /** The customer a PSA customer id belongs to, or undefined when the MSP has not mapped it. */
  find(psa: CustomerSettings['psa'], psaCustomerId: string): CustomerSettings | undefined {
    return this.byPsaCustomer.get(`${psa}:${psaCustomerId}`);
  }
}
