import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { DEFAULT_PASSWORD_FORMAT_SETTINGS } from '../../config/customer-settings.js';
import { planWiring } from '../../app/wiring-plan.js';
import { DEFAULT_PASSWORD_FORMAT } from '../../services/domain/temporary-password.js';
import { validEnv } from '../support/test-config.js';

const TENANT = '11111111-2222-3333-4444-555555555555';

/** Loads and plans the configuration as the start does: every refusal on the way is a ConfigError. */
const start = (env: NodeJS.ProcessEnv) => planWiring(loadConfig({ env }));

/** The env of a valid configuration with these customers (contoso is Halo customer 12). */
function withCustomers(
  customers: Array<Record<string, unknown>>,
  env: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return validEnv({ RESETDESK_CUSTOMERS_JSON: JSON.stringify(customers), ...env });
}

const contoso = (extra: Record<string, unknown> = {}) => ({
  name: 'contoso',
  psa: 'halopsa',
  psaCustomerId: 12,
  tenantId: TENANT,
  ...extra,
});

describe('passwordFormat', () => {
  it('When nothing is set, then every customer gets the built-in format (3 words, the 8 separators, 2 digits)', () => {
    const { customers: customerDirectory } = start(withCustomers([contoso()]));
    const customer = customerDirectory.find('halopsa', '12')!;
    expect(customerDirectory.passwordFormatFor(customer)).toEqual({
      words: 3,
      separators: '-!#%+=?@',
      digits: 2,
    });
  });

  it("When the service-wide format and a customer's own are set, then the customer's keys win over the service-wide ones", () => {
    const { customers: customerDirectory } = start(
      withCustomers(
        [
          contoso({ passwordFormat: { words: 4 } }),
          { name: 'fabrikam', psa: 'halopsa', psaCustomerId: 13, tenantId: TENANT.replace('1111', '9999') },
        ],
        { PASSWORD_FORMAT_SEPARATORS: '.', PASSWORD_FORMAT_DIGITS: '4' },
      ),
    );
    const contosoFormat = customerDirectory.passwordFormatFor(customerDirectory.find('halopsa', '12')!);
    const fabrikamFormat = customerDirectory.passwordFormatFor(customerDirectory.find('halopsa', '13')!);
    expect(contosoFormat).toEqual({ words: 4, separators: '.', digits: 4 });
    expect(fabrikamFormat).toEqual({ words: 3, separators: '.', digits: 4 });
  });

  it.each([
    [
      'a customer format too short (2 words, 2 digits: 12 characters)',
      withCustomers([contoso({ passwordFormat: { words: 2 } })]),
      /^customers\[0\]\.passwordFormat: customer "contoso".*12 characters.*at least 14 characters of 3 classes/,
    ],
    [
      'a customer format of too few classes (no separator, no digits)',
      withCustomers([contoso({ passwordFormat: { separators: '', digits: 0 } })]),
      /^customers\[0\]\.passwordFormat: .*2 character classes/,
    ],
    [
      'a service-wide format that a customer cannot fix for the others',
      withCustomers([contoso()], { PASSWORD_FORMAT_WORDS: '1', PASSWORD_FORMAT_DIGITS: '2' }),
      /^passwordFormat: .*7 characters.*\(passwordFormat\.words \(PASSWORD_FORMAT_WORDS\), passwordFormat\.separators \(PASSWORD_FORMAT_SEPARATORS\), passwordFormat\.digits \(PASSWORD_FORMAT_DIGITS\)\)$/,
    ],
    [
      'a service-wide separator that is not allowed',
      withCustomers([contoso()], { PASSWORD_FORMAT_SEPARATORS: '-$' }),
      /^passwordFormat: separators may only hold .* \(not "\$"\) \(passwordFormat\.words/,
    ],
    [
      'a customer separator that is not allowed',
      withCustomers([contoso({ passwordFormat: { separators: '&' } })]),
      /customers\[0\]\.passwordFormat: .*separators may only hold/,
    ],
    [
      'a customer format with an unknown key',
      withCustomers([contoso({ passwordFormat: { words: 3, symbols: '-' } })]),
      /customers\[0\]\.passwordFormat \(customer "contoso"\): Unrecognized key/,
    ],
    [
      'a customer format with too many digits',
      withCustomers([contoso({ passwordFormat: { digits: 12 } })]),
      /customers\[0\]\.passwordFormat\.digits/,
    ],
  ])('When %s, then the start stops naming the key', (_what, env, named) => {
    expect(() => start(env)).toThrowError(ConfigError);
    expect(() => start(env)).toThrowError(named);
  });

  it("The configuration's built-in format is the generator's default", () => {
    expect(DEFAULT_PASSWORD_FORMAT_SETTINGS).toEqual(DEFAULT_PASSWORD_FORMAT);
  });

  it('When a customer lengthens a service-wide format that is fine on its own, then it loads', () => {
    const { customers: customerDirectory } = start(
      withCustomers([contoso({ passwordFormat: { words: 6, separators: '.', digits: 0 } })]),
    );
    const customer = customerDirectory.find('halopsa', '12')!;
    expect(customerDirectory.passwordFormatFor(customer)).toEqual({ words: 6, separators: '.', digits: 0 });
  });
});
