import { describe, expect, it } from 'vitest';
import { parseAttestation } from '../../integrations/halopsa/halopsa-adapter.js';
import { recordedAddress } from '../../integrations/shared/email-address.js';
import { MAX_DETAILS_CHARS, capText, htmlToPlainText } from '../../integrations/shared/plain-text.js';

describe('HaloPSA details: HTML to plain text', () => {
  it('When details hold paragraphs, line breaks and a list, Then they become lines', () => {
    expect(
      htmlToPlainText(
        '<p>Hi team,</p><p>please reset:<br/>Jane&nbsp;Doe</p><ul><li>password</li><li>MFA</li></ul><div>Thanks</div>',
      ),
    ).toBe('Hi team,\n\nplease reset:\nJane Doe\n\n- password\n- MFA\n\nThanks');
  });

  it('When details hold script, style, comments and attributes, Then only the visible text is kept', () => {
    expect(
      htmlToPlainText(
        '<style>p{color:red}</style><!-- hidden --><p onclick="x()">Visible <b>bold</b></p>' +
          '<script>alert("x")</script><a href="https://evil.example">link text</a>',
      ),
    ).toBe('Visible bold\nlink text');
  });

  it('When entities are present, Then they are decoded exactly once', () => {
    expect(htmlToPlainText('a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &#x263A; &amp;lt;')).toBe(
      'a & b <c> "d" \'e\' \u263a &lt;',
    );
  });

  it('When a reference names a control character or nothing known, Then it is kept as written', () => {
    expect(htmlToPlainText('x&#0;y &#x1b; &bogus; &#1114112;')).toBe('x&#0;y &#x1b; &bogus; &#1114112;');
  });

  it('When text has no markup, Then only whitespace is tidied', () => {
    expect(htmlToPlainText('  Jane  is\tlocked out\r\n\r\n\r\n\r\nThanks  ')).toBe(
      'Jane is locked out\n\nThanks',
    );
  });

  it('When a tag or comment is never closed, Then what follows it is dropped, not shown as markup', () => {
    expect(htmlToPlainText('Before<!-- never closed <p>after</p>')).toBe('Before');
    expect(htmlToPlainText('Before<script>alert(1)')).toBe('Before');
  });

  it('When text is longer than the cap, Then it is cut without splitting a surrogate pair', () => {
    const long = 'a'.repeat(MAX_DETAILS_CHARS - 1) + '\u{1F600}tail';
    const capped = capText(long);
    expect(capped).toBe('a'.repeat(MAX_DETAILS_CHARS - 1));
    expect(capText('x'.repeat(MAX_DETAILS_CHARS + 50))).toHaveLength(MAX_DETAILS_CHARS);
    expect(capText('   ')).toBeUndefined();
  });
});

describe('HaloPSA recorded addresses', () => {
  it.each<[unknown, string | undefined]>([
    ['Mark.Manager@Contoso.example', 'mark.manager@contoso.example'],
    ['  Mark Manager <Mark.Manager@Contoso.example> ', 'mark.manager@contoso.example'],
    ['"Manager, Mark" <mark@contoso.example>', 'mark@contoso.example'],
    ['a@contoso.example; b@contoso.example', undefined],
    ['a@contoso.example, b@contoso.example', undefined],
    ['not an address', undefined],
    ['mark@localhost', undefined],
    ['', undefined],
    [42, undefined],
  ])('When the field holds %j, Then the address is %j', (raw, expected) => {
    expect(recordedAddress(raw)).toBe(expected);
  });
});

describe('HaloPSA attestation field', () => {
  it.each<[unknown, string | undefined, boolean | 'unrecognised']>([
    ['1', 'Yes', true],
    ['0', 'No', false],
    [true, undefined, true],
    [false, undefined, false],
    [' yes ', undefined, true],
    ['N', undefined, false],
    [2, 'Yes', true],
    ['', undefined, false],
    [null, undefined, false],
    [undefined, undefined, false],
    ['maybe', undefined, 'unrecognised'],
    [{ x: 1 }, undefined, 'unrecognised'],
  ])('When the field holds value %j (display %j), Then it reads %s', (value, display, expected) => {
    expect(parseAttestation({ name: 'CFSpoken', value, ...(display ? { display } : {}) })).toBe(expected);
  });

  it('When the configured field is not on the ticket, Then it reads false (never assumed)', () => {
    expect(parseAttestation(undefined)).toBe(false);
  });
});
