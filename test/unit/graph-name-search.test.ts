import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_SEARCH_LENGTH,
  nameFilter,
  nameSearchWords,
} from '../../integrations/graph/graph-name-search.js';
import { eligibilityRefusal } from '../../integrations/graph/graph-privileges.js';
import { isGuid } from '../../integrations/graph/graph-users.js';
import { matchesFilter, parseUserFilter, unsupportedInDefaultQuery } from '../simulators/graph-sim-filter.js';
import { eligibilityInstanceId } from '../simulators/graph-simulator.js';

describe('Name search text', () => {
  it('When the text has words, then they are trimmed, split on any whitespace and de-duplicated', () => {
    expect(nameSearchWords('  jo  smi  ')).toEqual(['jo', 'smi']);
    expect(nameSearchWords('jo\tsmi')).toBeUndefined(); // a tab is a control character
    expect(nameSearchWords('Jo jo JO smith')).toEqual(['Jo', 'smith']);
    expect(nameSearchWords('zoë\u00a0müller')).toEqual(['zoë', 'müller']);
  });

  it('When the text is empty, too long, has control characters or too many words, then it is refused', () => {
    for (const text of ['', '   ', 'a\u0000b', 'jo\r\nsmi', 'x\u0085', 'a\u2028b', 'a b c d e']) {
      expect(nameSearchWords(text)).toBeUndefined();
    }
    expect(nameSearchWords('x'.repeat(MAX_NAME_SEARCH_LENGTH))).toBeDefined();
    expect(nameSearchWords('x'.repeat(MAX_NAME_SEARCH_LENGTH + 1))).toBeUndefined();
  });
});

describe('Name search filter', () => {
  it('When one word is searched, then it is an or of startswith over the five name fields', () => {
    expect(nameFilter(['Smith'])).toBe(
      "startswith(displayName,'Smith') or startswith(givenName,'Smith') or startswith(surname,'Smith') or startswith(userPrincipalName,'Smith') or startswith(mail,'Smith')",
    );
  });

  it('When several words are searched, then each is a parenthesised or-group joined by and, inside Entra limits', () => {
    const filter = nameFilter(['a', 'b', 'c', 'd']);
    const tree = parseUserFilter(filter);
    expect(tree?.kind).toBe('and');
    expect(tree && unsupportedInDefaultQuery(tree)).toBeUndefined();
  });

  it('When a word holds quotes or filter syntax, then a strict parser reads it back as one literal', () => {
    for (const word of ["o'brien", "x') or startswith(mail,'", "''", "' or 1 eq 1 or mail eq '"]) {
      const tree = parseUserFilter(nameFilter([word]));
      expect(tree).toEqual({
        kind: 'or',
        children: ['displayName', 'givenName', 'surname', 'userPrincipalName', 'mail'].map((property) => ({
          kind: 'startswith',
          property,
          value: word,
        })),
      });
    }
  });

  it('When the filter is evaluated, then every word must start some field, case-insensitively', () => {
    const tree = parseUserFilter(nameFilter(['JO', 'smi']))!;
    expect(matchesFilter({ givenName: 'John', surname: 'Smith' }, tree)).toBe(true);
    expect(matchesFilter({ displayName: 'Joanna Smithers', surname: 'Smithers' }, tree)).toBe(true);
    expect(matchesFilter({ displayName: 'Joanna Smithers' }, tree)).toBe(false); // only the first word starts it
    expect(matchesFilter({ givenName: 'John', surname: 'Jones' }, tree)).toBe(false);
  });
});

describe('Simulator filter parser', () => {
  it('When the syntax is broken, then the filter is refused', () => {
    for (const bad of [
      "startswith(displayName,'o'b')",
      "startswith(displayName,'a'",
      "(startswith(displayName,'a')",
      "startswith(displayName,'a') or",
      "startswith(displayName,'a')or startswith(mail,'b')",
      "(startswith(displayName,'a') or startswith(mail,'b')) and(startswith(mail,'c'))",
      "displayName eq 'a' xor mail eq 'b'",
      "contains(displayName,'a')",
    ]) {
      expect(parseUserFilter(bad), bad).toBeUndefined();
    }
  });

  it('When a clause is too long, too wide, too deep or on an unsupported property, then Entra would refuse it', () => {
    const clause = "startswith(displayName,'a')";
    const refuse = (filter: string): string | undefined =>
      unsupportedInDefaultQuery(parseUserFilter(filter)!);
    expect(refuse(`startswith(displayName,'${'a'.repeat(121)}')`)).toMatch(/Unsupported or invalid/);
    expect(refuse(Array(16).fill(clause).join(' or '))).toMatch(/Max allowed: 15/);
    expect(refuse(`((${clause} or (${clause} and ${clause})) and ${clause})`)).toMatch(/excessive height: 4/);
    expect(refuse("startswith(jobTitle,'a')")).toMatch(/property 'jobTitle'/);
    expect(refuse("userPrincipalName eq 'a' or mail eq 'a'")).toBeUndefined();
  });
});

describe('PIM eligibility refusals', () => {
  it('When the tenant has no PIM licence, then Graph\'s refusal says "no PIM", not "unreadable"', () => {
    expect(eligibilityRefusal({ statusCode: 400, code: 'AadPremiumLicenseRequired' })).toBe('no-pim-licence');
    expect(
      eligibilityRefusal({
        statusCode: 400,
        code: 'BadRequest',
        message: 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.',
      }),
    ).toBe('no-pim-licence');
  });

  it('When the app may not look (any 403) or the endpoint is missing, then eligibility is unreadable', () => {
    expect(
      eligibilityRefusal({
        statusCode: 403,
        code: 'UnknownError',
        message: '{"errorCode":"PermissionScopeNotGranted"}',
      }),
    ).toBe('not-readable');
    expect(eligibilityRefusal({ statusCode: 403, code: 'Authorization_RequestDenied' })).toBe('not-readable');
    expect(eligibilityRefusal({ statusCode: 404, code: 'Request_ResourceNotFound' })).toBe('not-readable');
    expect(eligibilityRefusal({ statusCode: 501 })).toBe('not-readable');
  });

  it('When Graph is busy, refuses the token or the query, then it is not read as a refusal', () => {
    for (const statusCode of [401, 429, 500, 503]) expect(eligibilityRefusal({ statusCode })).toBeUndefined();
    expect(eligibilityRefusal({ statusCode: 400, code: 'Request_UnsupportedQuery' })).toBeUndefined();
  });

  it('When an eligibility instance id is built, then it matches the documented example', () => {
    expect(
      eligibilityInstanceId('8424c6f0-a189-499e-bbd0-26c1753c96d4', '071cc716-8147-4397-a5ba-b2105951cc0b'),
    ).toBe('8MYkhImhnkm70CbBdTyW1BbHHAdHgZdDpbqyEFlRzAs-1-e');
  });
});

describe('GUID check', () => {
  it('When a value is a GUID in any case, then it passes; anything else does not', () => {
    expect(isGuid('F448435D-3CA7-4073-8152-A1FD73C0FD09')).toBe(true);
    for (const bad of [
      '',
      'f448435d3ca740738152a1fd73c0fd09',
      "f448435d-3ca7-4073-8152-a1fd73c0fd09' or '1",
      '{f448435d-3ca7-4073-8152-a1fd73c0fd09}',
    ]) {
      expect(isGuid(bad)).toBe(false);
    }
  });
});
