import { describe, expect, it } from 'vitest';
import { channelOf, parseAttestation } from '../../integrations/connectwise/connectwise-ticket-fields.js';
import { recordedAddress } from '../../integrations/shared/email-address.js';
import { MAX_DETAILS_CHARS, detailsText } from '../../integrations/shared/plain-text.js';

describe('ConnectWise attestation field', () => {
  it.each<[unknown, string | undefined, boolean | 'unrecognised']>([
    [true, 'Checkbox', true],
    [false, 'Checkbox', false],
    [undefined, 'Checkbox', false],
    ['Yes', 'Text', true],
    ['no', 'Text', false],
    ['', 'Text', false],
    [undefined, 'Text', false],
    [null, 'Text', false],
    [1, 'Number', true],
    ['perhaps', 'Text', 'unrecognised'],
  ])('When the field holds %j (%s), Then it reads %s', (value, type, expected) => {
    expect(parseAttestation({ caption: 'Spoken to', type, ...(value === undefined ? {} : { value }) })).toBe(
      expected,
    );
  });

  it('When the configured field is not on the ticket, Then it reads false (never assumed)', () => {
    expect(parseAttestation(undefined)).toBe(false);
  });
});

describe('ConnectWise ticket text and source', () => {
  it('When note text has ragged whitespace, Then it is tidied; when too long, Then it is capped', () => {
    expect(detailsText('  Hi,\r\n\r\n\r\n  please   reset\tJane.  ')).toBe('Hi,\n\nplease reset Jane.');
    expect(detailsText('y'.repeat(MAX_DETAILS_CHARS + 1))).toHaveLength(MAX_DETAILS_CHARS);
    expect(detailsText(' \n ')).toBeUndefined();
  });

  it('When the recorded address has a display name or odd case, Then the bare address is lower-cased', () => {
    expect(recordedAddress('Mark <Mark@Contoso.Example>')).toBe('mark@contoso.example');
    expect(recordedAddress('a@x.example;b@x.example')).toBeUndefined();
  });

  it.each([
    [{ id: 3, name: 'Email Connector' }, 'email'],
    [{ id: 3, name: ' email connector ' }, 'email'],
    [{ id: 9, name: 'Mailbox import' }, 'unknown'],
    [{ id: 2, name: 'Portal' }, 'portal'],
    [{ id: 5, name: 'Walk-in' }, 'agent'],
  ])('When the source is %j, Then the default names give %s', (source, channel) => {
    expect(channelOf(source)).toBe(channel);
  });
});
