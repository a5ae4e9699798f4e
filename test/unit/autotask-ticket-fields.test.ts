import { describe, expect, it } from 'vitest';
import { parseAttestation } from '../../integrations/autotask/autotask-adapter.js';
import { detailsText } from '../../integrations/shared/plain-text.js';

describe('Autotask attestation UDF', () => {
  it.each<[unknown, boolean | 'unrecognised']>([
    ['Yes', true],
    [' y ', true],
    ['True', true],
    [1, true],
    ['No', false],
    ['0', false],
    [false, false],
    ['', false],
    ['   ', false],
    [null, false],
    [undefined, false],
    ['Spoke to his manager', 'unrecognised'],
    [['Yes'], 'unrecognised'],
  ])('When the UDF holds %j, Then it reads %s', (value, expected) => {
    expect(parseAttestation(value)).toBe(expected);
  });
});

describe('Autotask description', () => {
  it('When the description has ragged whitespace, Then it is tidied; when too long, Then it is capped at 8 KB', () => {
    expect(detailsText('Please reset\u0007 Jane.\r\n\r\n\r\n-- \r\nMark  ')).toBe(
      'Please reset Jane.\n\n--\nMark',
    );
    expect(detailsText('z'.repeat(9000))).toHaveLength(8192);
    expect(detailsText('')).toBeUndefined();
  });
});
