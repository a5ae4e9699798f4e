import { describe, expect, it } from 'vitest';
import { odataEq, odataString, pathSegment, queryString } from '../../integrations/graph/odata.js';
import { parseSimpleFilter } from '../simulators/graph-simulator.js';

describe('OData escaping', () => {
  it("When a value holds a single quote, then it is doubled inside the literal (o'brien)", () => {
    expect(odataString("o'brien@contoso.com")).toBe("'o''brien@contoso.com'");
  });

  it('When a value tries to close the literal and add a clause, then it stays one literal', () => {
    const filter = odataEq('mail', "' or 1 eq 1 or mail eq '");
    expect(filter).toBe("mail eq ''' or 1 eq 1 or mail eq '''");
    // Read back by a strict OData parser, it is one clause whose value is the whole input.
    expect(parseSimpleFilter(filter)).toEqual([{ property: 'mail', value: "' or 1 eq 1 or mail eq '" }]);
  });

  it('When a value is only quotes, then every one is doubled', () => {
    expect(odataString("''")).toBe("''''''");
    expect(parseSimpleFilter(`id eq ${odataString("''")}`)).toEqual([{ property: 'id', value: "''" }]);
  });

  it('When a value holds #EXT#, unicode or URL syntax, then the literal keeps it and the query encodes it', () => {
    const upn = 'zoë_fabrikam.example#EXT#@contoso.onmicrosoft.com';
    expect(odataString(upn)).toBe(`'${upn}'`);
    const query = queryString({ $filter: odataEq('userPrincipalName', "a&b=c?d+e f#g/h'i") });
    expect(query).toBe("?$filter=userPrincipalName%20eq%20'a%26b%3Dc%3Fd%2Be%20f%23g%2Fh''i'");
    expect(new URL(`https://x/users${query}`).searchParams.get('$filter')).toBe(
      "userPrincipalName eq 'a&b=c?d+e f#g/h''i'",
    );
  });

  it('When a property name is not a plain identifier, then building the filter refuses it', () => {
    expect(() => odataEq("mail eq 'x' or id", 'y')).toThrow();
  });

  it('When a path segment holds / # ? or unicode, then it is encoded and cannot leave its segment', () => {
    expect(pathSegment('a/../b')).toBe('a%2F..%2Fb');
    expect(pathSegment('jane_fabrikam.example#EXT#@contoso.com')).toBe(
      'jane_fabrikam.example%23EXT%23%40contoso.com',
    );
    expect(pathSegment('x?y=1')).toBe('x%3Fy%3D1');
    expect(pathSegment('zoë')).toBe('zo%C3%AB');
  });

  it('When a path segment is empty or a dot segment, then it is refused', () => {
    for (const bad of ['', '.', '..']) expect(() => pathSegment(bad)).toThrow();
  });
});

describe('The simulator filter parser (so escaping bugs show up in contract tests)', () => {
  it('When a literal holds an unescaped quote, then the filter is rejected', () => {
    expect(parseSimpleFilter("userPrincipalName eq 'o'brien@contoso.com'")).toBeUndefined();
  });

  it('When the filter uses the eq/or form the adapter sends, then every clause is read', () => {
    expect(parseSimpleFilter("userPrincipalName eq 'a@b.c' or mail eq 'A@B.C'")).toEqual([
      { property: 'userPrincipalName', value: 'a@b.c' },
      { property: 'mail', value: 'A@B.C' },
    ]);
  });

  it('When the filter uses anything else, then it is rejected', () => {
    for (const bad of [
      "mail ne 'x'",
      "mail eq 'x' and id eq 'y'",
      "mail eq 'x",
      "startswith(mail,'x')",
      "mail eq 'x' or",
      "secret eq 'x'",
    ]) {
      expect(parseSimpleFilter(bad), bad).toBeUndefined();
    }
  });
});
