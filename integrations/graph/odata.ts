/**
 * Escaping for values that reach Microsoft Graph from outside (ticket fields, ids returned by earlier calls).
 * A ticket's "user to reset" field is typed by a customer, so it is treated as hostile: it must never be able
 * to change the meaning of an OData `$filter` or of a URL path.
 */

/**
 * An OData string literal for `value`: wrapped in single quotes, with every single quote doubled (OData ABNF
 * `SQUOTE-in-string`). `o'brien` becomes `'o''brien'`.
 */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `property eq 'value'` with the value escaped. `property` is ours (a fixed Graph property name), never input. */
export function odataEq(property: string, value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_/]*$/.test(property)) throw new Error(`Not an OData property name: ${property}`);
  return `${property} eq ${odataString(value)}`;
}

/**
 * Encodes one URL path segment. `encodeURIComponent` alone is not enough: `.` and `..` (also when written
 * `%2E`) are dot-segments that URL parsers resolve, which would move the request to another resource; and an
 * empty segment would address the collection instead of one item. Those are refused.
 */
export function pathSegment(value: string): string {
  if (value === '' || value === '.' || value === '..')
    throw new Error('Refusing an empty or dot path segment');
  return encodeURIComponent(value);
}

/**
 * Encodes a query-string value. Unlike `URLSearchParams`, spaces become `%20` (Graph reads `+` as a space in a
 * query, so a literal `+` in an address must be sent as `%2B`, which this does).
 */
export function queryValue(value: string): string {
  return encodeURIComponent(value);
}

/** Builds `?a=1&b=2` from already-unencoded values; keys are ours and kept as written (`$filter`, `$select`). */
export function queryString(params: Record<string, string>): string {
  const parts = Object.entries(params).map(([key, value]) => `${key}=${queryValue(value)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
