import { z } from 'zod';

/**
 * Events out: outcome events posted to the MSP's own endpoints (README, "Events out"). The endpoint list is
 * a secret as a whole: a Teams or Slack webhook URL is itself the credential, and a standard endpoint has
 * its signing secret. So it is `sensitive` (never printed, `EVENT_ENDPOINTS_JSON_FILE` works) and every
 * message about it names the entry and the field, never a value.
 */

/** Hosts only this machine reaches: plain http is accepted there (tests, a local relay). */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** `whsec_` and base64 of 24 to 64 random bytes, as the Standard Webhooks libraries generate. */
function isSigningSecret(value: string): boolean {
  if (!value.startsWith('whsec_')) return false;
  const body = value.slice(6);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return false;
  const bytes = Buffer.from(body, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

export const eventEndpointSchema = z
  .object({
    url: z.string().superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be an https URL' });
        return;
      }
      const local = url.protocol === 'http:' && LOOPBACK.test(url.hostname);
      if (url.protocol !== 'https:' && !local) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an https URL (plain http is only accepted for localhost)',
        });
      }
      if (url.username || url.password) {
        ctx.addIssue({ code: 'custom', message: 'must not hold credentials' });
      }
    }),
    format: z.enum(['standard', 'teams', 'slack'], {
      error: 'must be "standard", "teams" or "slack"',
    }),
    secret: z
      .string()
      .refine(isSigningSecret, 'must be "whsec_" followed by base64 of 24 to 64 random bytes')
      .optional(),
    // Names checked against the domain's list where the plan is made (app/wiring-plan.ts): the list has one home.
    types: z
      .array(z.string({ error: 'must be a list of event type names' }))
      .min(1, 'must name at least one event type (leave it out for all)')
      .optional(),
  })
  .strict()
  .superRefine((endpoint, ctx) => {
    if (endpoint.format === 'standard' && endpoint.secret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message: 'is required for the "standard" format (the events are signed with it)',
      });
    }
    if (endpoint.format !== 'standard' && endpoint.secret !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message: `is only used by the "standard" format; a ${endpoint.format} webhook URL is its own secret`,
      });
    }
  });

export type EventEndpointSetting = z.infer<typeof eventEndpointSchema>;

export const eventEndpointListSchema = z
  .array(eventEndpointSchema)
  .max(20, 'at most 20 endpoints')
  .superRefine((endpoints, ctx) => {
    endpoints.forEach((endpoint, index) => {
      if (endpoints.findIndex((other) => other.url === endpoint.url) !== index) {
        ctx.addIssue({ code: 'custom', path: [index, 'url'], message: 'is listed twice' });
      }
    });
  });

/** One line per problem naming the entry and field (`events.endpoints[1].secret: ...`), never a value. */
export function describeEndpointErrors(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      const message =
        issue.code !== 'invalid_type'
          ? issue.message
          : issue.path.length === 0
            ? 'must be a JSON list of endpoints, e.g. [{"url": "https://…", "format": "teams"}]'
            : `must be ${issue.expected}`;
      return `events.endpoints${path}: ${message}`;
    })
    .join('; ');
}
