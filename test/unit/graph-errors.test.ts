import { describe, expect, it } from 'vitest';
import {
  classifyGraphError,
  describeMethodFailure,
  parseRetryAfter,
  readGraphErrorBody,
  translateGraphError,
} from '../../integrations/graph/graph-errors.js';
import { DirectoryError, TransientError } from '../../services/domain/errors.js';

const COMPLEXITY =
  'The specified password does not comply with password complexity requirements. Please provide a different password.';
const SYNCED =
  'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.';

describe('Graph error translation', () => {
  const cases: Array<[string, { statusCode: number; code?: string; message?: string }, string]> = [
    [
      'complexity 400',
      { statusCode: 400, code: 'Request_BadRequest', message: COMPLEXITY },
      'password-rejected',
    ],
    ['synced 400', { statusCode: 400, code: 'Request_BadRequest', message: SYNCED }, 'synced-object'],
    [
      'privileged 403',
      {
        statusCode: 403,
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      },
      'insufficient-privileges',
    ],
    [
      'missing 404',
      { statusCode: 404, code: 'Request_ResourceNotFound', message: "Resource 'x' does not exist" },
      'not-found',
    ],
    [
      'bad token 401',
      { statusCode: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.' },
      'auth-failed',
    ],
    [
      'other 400',
      { statusCode: 400, code: 'Request_BadRequest', message: "Invalid property 'foo'." },
      'bad-request',
    ],
    ['unknown code 403', { statusCode: 403, code: 'SomethingNew' }, 'insufficient-privileges'],
    ['no body 404', { statusCode: 404 }, 'not-found'],
    [
      'unsupported query',
      { statusCode: 400, code: 'Request_UnsupportedQuery', message: COMPLEXITY },
      'bad-request',
    ],
  ];
  for (const [name, info, reason] of cases) {
    it(`When Graph answers ${name}, then DirectoryError('${reason}') is thrown`, () => {
      const err = translateGraphError(info, 'reset the password');
      expect(err).toBeInstanceOf(DirectoryError);
      expect((err as DirectoryError).reason).toBe(reason);
      expect(err.message).toMatch(/^Could not reset the password: /);
    });
  }

  it('When the code decides, then the message is not consulted (code first)', () => {
    expect(
      classifyGraphError({ statusCode: 403, code: 'Authorization_RequestDenied', message: COMPLEXITY }),
    ).toEqual({
      kind: 'directory',
      reason: 'insufficient-privileges',
    });
  });

  for (const statusCode of [429, 500, 502, 503, 504, 408]) {
    it(`When Graph answers ${statusCode}, then TransientError is thrown`, () => {
      expect(translateGraphError({ statusCode, code: 'Request_BadRequest' }, 'x')).toBeInstanceOf(
        TransientError,
      );
    });
  }

  it.each([
    [429, true],
    [503, true],
    [500, false],
    [502, false],
    [504, false],
    [408, false],
  ])(
    'When Graph answers %i, then the change is known not to have happened: %s',
    (statusCode, unprocessed) => {
      const err = translateGraphError({ statusCode }, 'reset the password') as TransientError;
      expect(err.unprocessed).toBe(unprocessed);
    },
  );

  it('When the response is a 429 with Retry-After, then retryAfterMs carries it', () => {
    const err = translateGraphError(
      { statusCode: 429, code: 'TooManyRequests', retryAfterMs: 7000 },
      'look up the user',
    );
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(7000);
  });

  it('When an error is made, then its cause holds only status, code and request id', () => {
    const err = translateGraphError(
      { statusCode: 400, code: 'Request_BadRequest', message: COMPLEXITY, requestId: 'r-1', retryAfterMs: 5 },
      'x',
    );
    expect(err.cause).toEqual({ statusCode: 400, code: 'Request_BadRequest', requestId: 'r-1' });
  });

  it("When Graph's message were to contain the password, then it is blanked out but still classified", () => {
    const secret = 'password complexity';
    const err = translateGraphError(
      { statusCode: 400, code: 'Request_BadRequest', message: COMPLEXITY },
      'reset the password',
      secret,
    );
    expect((err as DirectoryError).reason).toBe('password-rejected');
    expect(err.message).not.toContain(secret);
    expect(err.message).toContain('[redacted]');
  });
});

describe('Retry-After parsing', () => {
  const now = Date.parse('2026-07-14T09:00:00Z');
  it('When Retry-After is seconds, then it becomes milliseconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('When Retry-After is an HTTP date, then it is the time until that date, never negative', () => {
    expect(parseRetryAfter('Tue, 14 Jul 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 14 Jul 2026 08:00:00 GMT', now)).toBe(0);
  });
  it('When Retry-After is absent or garbage, then there is no delay hint', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('Graph error bodies and method failures', () => {
  it('When the body is the Graph envelope, then code, message and request id are read', () => {
    expect(
      readGraphErrorBody({
        error: { code: 'C', message: 'M', innerError: { 'request-id': 'R', date: '2026-07-14T09:12:41' } },
      }),
    ).toEqual({ code: 'C', message: 'M', requestId: 'R' });
    expect(readGraphErrorBody('<html>Bad gateway</html>')).toEqual({});
  });

  it('When the default method is refused, then the detail says so in plain words', () => {
    const detail = describeMethodFailure({
      statusCode: 400,
      code: 'badRequest',
      message:
        'Cannot delete default method with other methods configured. Please change default method before deletion.',
    });
    expect(detail).toMatch(/default sign-in method/);
  });

  it('When a method is refused for permissions, then the detail names that', () => {
    expect(describeMethodFailure({ statusCode: 403, code: 'accessDenied' })).toMatch(/permission/);
  });
});
