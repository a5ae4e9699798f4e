import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { validEnv } from '../support/test-config.js';

/** The pass setting: service-wide defaults (TAP_*), each customer's own object on top. */

const TENANT = '11111111-2222-3333-4444-555555555555';
const customers = (...list: Array<Record<string, unknown>>) =>
  JSON.stringify(
    list.map((extra, i) => ({
      name: `c${i}`,
      psa: 'halopsa',
      psaCustomerId: 12 + i,
      tenantId: TENANT,
      ...extra,
    })),
  );

describe('temporaryAccessPass configuration', () => {
  it('When nothing is set, Then passes are off, 480 minutes, one-time, hand-off', () => {
    const config = loadConfig({ env: validEnv() });
    expect(config.customerDirectory.find('halopsa', '12')?.temporaryAccessPass).toEqual({
      enabled: false,
      lifetimeMinutes: 480,
      usableOnce: true,
      whenUnavailable: 'hand-off',
    });
  });

  it('When the service-wide default is on, Then a customer may turn it off or change one key and keep the rest', () => {
    const config = loadConfig({
      env: validEnv({
        TAP_ENABLED: 'true',
        TAP_LIFETIME_MINUTES: '120',
        TAP_WHEN_UNAVAILABLE: 'open-registration',
        RESETDESK_CUSTOMERS_JSON: customers(
          {},
          { temporaryAccessPass: { enabled: false } },
          { temporaryAccessPass: { lifetimeMinutes: 60 } },
        ),
      }),
    });
    const pass = (id: string) => config.customerDirectory.find('halopsa', id)?.temporaryAccessPass;
    expect(pass('12')).toEqual({
      enabled: true,
      lifetimeMinutes: 120,
      usableOnce: true,
      whenUnavailable: 'open-registration',
    });
    expect(pass('13')?.enabled).toBe(false);
    expect(pass('14')).toMatchObject({
      enabled: true,
      lifetimeMinutes: 60,
      whenUnavailable: 'open-registration',
    });
  });

  it.each([
    [{ TAP_LIFETIME_MINUTES: '9' }, /temporaryAccessPass\.lifetimeMinutes/],
    [{ TAP_WHEN_UNAVAILABLE: 'ignore' }, /temporaryAccessPass\.whenUnavailable/],
    [
      { RESETDESK_CUSTOMERS_JSON: customers({ temporaryAccessPass: { lifetimeMinutes: 43201 } }) },
      /customers\[0\]\.temporaryAccessPass\.lifetimeMinutes/,
    ],
    [
      { RESETDESK_CUSTOMERS_JSON: customers({ temporaryAccessPass: { enabled: true, lifetime: 60 } }) },
      /customers\[0\]\.temporaryAccessPass/,
    ],
  ])('When a pass value is out of bounds (%o), Then start-up stops naming it', (override, named) => {
    expect(() => loadConfig({ env: validEnv(override) })).toThrowError(named);
  });
});
