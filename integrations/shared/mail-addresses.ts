/**
 * Plain email addresses as resetdesk sends notices to them and from them (the configuration checks the
 * sender with the same rule): `local@domain`, no display name, no quoting, no
 * comments, no whitespace or control characters, at most 254 characters. Stricter than RFC 5322 on purpose:
 * an address an admin typed into a directory field is only used when it cannot be read two ways.
 */

const MAX_ADDRESS_LENGTH = 254;
/** Characters never part of a plain address: whitespace, controls, and RFC 5322 specials other than `.` and `@`. */
const FORBIDDEN = /[\s\p{Cc}"(),:;<>[\\\]]/u;

export function isPlainEmailAddress(value: string): boolean {
  if (value.length === 0 || value.length > MAX_ADDRESS_LENGTH || FORBIDDEN.test(value)) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.indexOf('@') !== at) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const labels = domain.split('.');
  return (
    labels.length >= 2 &&
    labels.every((label) => label.length > 0 && label.length <= 63 && !/^-|-$/.test(label))
  );
}

/** The domain of an address, lower-cased, or undefined when it has no `@`. */
export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at < 0 ? undefined : address.slice(at + 1).toLowerCase();
}

/** True when the two domains are equal or one is a subdomain of the other (compared case-insensitively). */
export function relatedDomains(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

/** The value with every control character replaced by "?", for showing a refused address in a note. */
export function printable(value: string): string {
  return value.replace(/[\p{Cc}\u2028\u2029]/gu, '?');
}
