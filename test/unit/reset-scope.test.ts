import { describe, expect, it } from 'vitest';
import { resetScopeTest, type TicketPlace } from '../../integrations/shared/reset-scope.js';

describe('Which tickets are reset requests (queues/boards with optional types and sub-types)', () => {
  const byIds = resetScopeTest<number>({ containers: [10, 11], types: [5], subTypes: [7, 8] });

  it.each<[string, TicketPlace<number>, boolean]>([
    ['in a listed container with a listed type and sub-type', { container: 11, type: 5, subType: 8 }, true],
    ['in another container', { container: 12, type: 5, subType: 7 }, false],
    ['in no container it can read', { container: undefined, type: 5, subType: 7 }, false],
    ['of another type', { container: 10, type: 6, subType: 7 }, false],
    ['without a type', { container: 10, type: undefined, subType: 7 }, false],
    ['of another sub-type', { container: 10, type: 5, subType: 9 }, false],
    ['without a sub-type', { container: 10, type: 5, subType: undefined }, false],
  ])('When the ticket is %s, Then it is a reset request: %s', (_what, place, expected) => {
    expect(byIds(place)).toBe(expected);
  });

  it('When the type lists are empty or absent, Then any type in a listed container passes, and none outside', () => {
    for (const scope of [{ containers: [10] }, { containers: [10], types: [], subTypes: [] }]) {
      const anyType = resetScopeTest<number>(scope);
      expect(anyType({ container: 10, type: undefined, subType: undefined })).toBe(true);
      expect(anyType({ container: 10, type: 99, subType: 98 })).toBe(true);
      expect(anyType({ container: 11, type: undefined, subType: undefined })).toBe(false);
    }
  });

  it('When no container is listed, Then no ticket is a reset request', () => {
    expect(resetScopeTest<number>({ containers: [] })({ container: 10, type: 5, subType: 7 })).toBe(false);
  });

  it('When a normaliser is given, Then configured values are compared in its form', () => {
    const byName = resetScopeTest({ containers: [1], types: ['  Password / MFA Reset '] }, (name: string) =>
      name.trim().toLowerCase(),
    );
    expect(byName({ container: 1, type: 'password / mfa reset', subType: undefined })).toBe(true);
    expect(byName({ container: 1, type: 'printer', subType: undefined })).toBe(false);
  });
});
