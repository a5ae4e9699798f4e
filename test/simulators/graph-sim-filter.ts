/**
 * The `$filter` dialect the Graph simulator accepts on `/users`, read as strictly as a fake can afford: `eq` and
 * `startswith`/`startsWith` clauses with OData string literals ('' stands for a quote inside a literal), joined
 * by `and`/`or`, with parentheses. Anything else is a syntax error, so an escaping bug in the adapter turns into
 * a 400 instead of a silently different query.
 *
 * On top of the syntax, the limits Entra's directory store puts on a default (non-advanced) query:
 * - a filter tree at most 3 high (`and` → `or` → clause), "The search filter expression has excessive height";
 * - an `or` with at most 15 children, "Too many child clauses specified in search filter expression containing
 *   'OR' operators: 16. Max allowed: 15." (reported in microsoftgraph/microsoft-graph-docs-contrib#1238);
 * - `startsWith` values of at most 120 characters (longer ones get Request_UnsupportedQuery, reported in
 *   microsoftgraph/microsoft-graph-explorer-v4#2103);
 * - only the properties the advanced-queries table marks as supporting the operator by default.
 */

export type FilterClause = { kind: 'eq' | 'startswith'; property: string; value: string };
export type FilterNode = FilterClause | { kind: 'and' | 'or'; children: FilterNode[] };

function isClause(node: FilterNode): node is FilterClause {
  return node.kind === 'eq' || node.kind === 'startswith';
}

/** User properties and the operators Entra supports on them without advanced query parameters. */
const DEFAULT_OPERATORS: Record<string, ReadonlyArray<'eq' | 'startswith'>> = {
  id: ['eq'],
  userPrincipalName: ['eq', 'startswith'],
  mail: ['eq', 'startswith'],
  displayName: ['eq', 'startswith'],
  givenName: ['eq', 'startswith'],
  surname: ['eq', 'startswith'],
  department: ['eq', 'startswith'],
};

export const MAX_FILTER_HEIGHT = 3;
export const MAX_OR_CHILDREN = 15;
export const MAX_STARTSWITH_LENGTH = 120;

/**
 * The OData string literal starting at `start` (a quote), with '' standing for a quote inside it, and the index
 * after its closing quote; undefined when there is no opening quote or no closing one.
 */
function readLiteral(filter: string, start: number): { value: string; next: number } | undefined {
  if (filter[start] !== "'") return undefined;
  let i = start + 1;
  let value = '';
  for (;;) {
    if (i >= filter.length) return undefined;
    const ch = filter[i]!;
    if (ch === "'") {
      if (filter[i + 1] !== "'") return { value, next: i + 1 };
      value += "'";
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
}

/** Parses a `/users` filter; undefined for anything malformed (unbalanced quotes or parentheses, unknown words). */
export function parseUserFilter(filter: string): FilterNode | undefined {
  let i = 0;
  const spaces = (): void => {
    while (filter[i] === ' ') i++;
  };
  const identifier = (): string | undefined => {
    const name = /^[A-Za-z][A-Za-z0-9]*/.exec(filter.slice(i))?.[0];
    if (name) i += name.length;
    return name;
  };
  const literal = (): string | undefined => {
    const read = readLiteral(filter, i);
    if (read) i = read.next;
    return read?.value;
  };
  /** A keyword (`and`, `or`) with a space on each side. */
  const keyword = (word: 'and' | 'or'): boolean => {
    const start = i;
    spaces();
    // OData's ABNF wants required whitespace on both sides of `and` / `or`, even next to a parenthesis.
    if (i > start && filter.slice(i, i + word.length) === word && filter[i + word.length] === ' ') {
      i += word.length;
      return true;
    }
    return false;
  };

  const primary = (): FilterNode | undefined => {
    spaces();
    if (filter[i] === '(') {
      i++;
      const inner = orExpression();
      spaces();
      if (!inner || filter[i] !== ')') return undefined;
      i++;
      return inner;
    }
    const word = identifier();
    if (!word) return undefined;
    if (word === 'startswith' || word === 'startsWith') {
      if (filter[i] !== '(') return undefined;
      i++;
      spaces();
      const property = identifier();
      spaces();
      if (!property || filter[i] !== ',') return undefined;
      i++;
      spaces();
      const value = literal();
      spaces();
      if (value === undefined || filter[i] !== ')') return undefined;
      i++;
      return { kind: 'startswith', property, value };
    }
    if (filter[i] !== ' ') return undefined;
    spaces();
    if (filter.slice(i, i + 2) !== 'eq' || filter[i + 2] !== ' ') return undefined;
    i += 2;
    spaces();
    const value = literal();
    if (value === undefined) return undefined;
    return { kind: 'eq', property: word, value };
  };

  const andExpression = (): FilterNode | undefined => {
    const first = primary();
    if (!first) return undefined;
    const children = [first];
    for (;;) {
      const mark = i;
      if (!keyword('and')) {
        i = mark;
        break;
      }
      const next = primary();
      if (!next) return undefined;
      children.push(next);
    }
    return children.length === 1 ? first : { kind: 'and', children };
  };

  const orExpression = (): FilterNode | undefined => {
    const first = andExpression();
    if (!first) return undefined;
    const children = [first];
    for (;;) {
      const mark = i;
      if (!keyword('or')) {
        i = mark;
        break;
      }
      const next = andExpression();
      if (!next) return undefined;
      children.push(next);
    }
    return children.length === 1 ? first : { kind: 'or', children };
  };

  const tree = orExpression();
  spaces();
  return tree && i === filter.length ? tree : undefined;
}

function height(node: FilterNode): number {
  return node.kind === 'and' || node.kind === 'or' ? 1 + Math.max(...node.children.map(height)) : 1;
}

/** Why Entra would refuse this parsed filter in a default query (an error message), or undefined when it is fine. */
export function unsupportedInDefaultQuery(tree: FilterNode): string | undefined {
  const h = height(tree);
  if (h > MAX_FILTER_HEIGHT) {
    return `The search filter expression has excessive height: ${h}. Max allowed: ${MAX_FILTER_HEIGHT}.`;
  }
  const visit = (node: FilterNode): string | undefined => {
    if (!isClause(node)) {
      if (node.kind === 'or' && node.children.length > MAX_OR_CHILDREN) {
        return `Too many child clauses specified in search filter expression containing 'OR' operators: ${node.children.length}. Max allowed: ${MAX_OR_CHILDREN}.`;
      }
      for (const child of node.children) {
        const why = visit(child);
        if (why) return why;
      }
      return undefined;
    }
    const supported = DEFAULT_OPERATORS[node.property]?.includes(node.kind) ?? false;
    if (!supported || (node.kind === 'startswith' && node.value.length > MAX_STARTSWITH_LENGTH)) {
      return `Unsupported or invalid query filter clause specified for property '${node.property}' of resource 'User'.`;
    }
    return undefined;
  };
  return visit(tree);
}

/** Evaluates a parsed filter against an object's string properties, case-insensitively as Entra does. */
export function matchesFilter(subject: Record<string, unknown>, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => matchesFilter(subject, child));
    case 'or':
      return node.children.some((child) => matchesFilter(subject, child));
    case 'eq':
    case 'startswith': {
      const actual = subject[node.property];
      if (typeof actual !== 'string') return false;
      const a = actual.toLowerCase();
      const v = node.value.toLowerCase();
      return node.kind === 'eq' ? a === v : a.startsWith(v);
    }
  }
}

/** The one-shape filter: `prop eq 'literal'` clauses joined by `or`. */
type EqClause = { property: string; value: string };

const FILTERABLE = new Set(['userPrincipalName', 'mail', 'id', 'displayName']);

/**
 * Parses `prop eq 'literal' [or prop eq 'literal']…`, with '' standing for a quote inside a literal. Returns
 * undefined for anything else, so an unescaped quote in a literal makes the whole filter invalid.
 */
export function parseSimpleFilter(filter: string): EqClause[] | undefined {
  const clauses: EqClause[] = [];
  let i = 0;
  const skipSpaces = (): void => {
    while (filter[i] === ' ') i++;
  };
  for (;;) {
    skipSpaces();
    const prop = /^[A-Za-z]+/.exec(filter.slice(i))?.[0];
    if (!prop || !FILTERABLE.has(prop)) return undefined;
    i += prop.length;
    if (filter[i] !== ' ') return undefined;
    skipSpaces();
    if (filter.slice(i, i + 2) !== 'eq' || filter[i + 2] !== ' ') return undefined;
    i += 2;
    skipSpaces();
    const read = readLiteral(filter, i);
    if (!read) return undefined;
    i = read.next;
    clauses.push({ property: prop, value: read.value });
    if (i >= filter.length) return clauses;
    if (filter[i] !== ' ') return undefined;
    skipSpaces();
    if (i >= filter.length) return clauses;
    if (filter.slice(i, i + 2) !== 'or' || filter[i + 2] !== ' ') return undefined;
    i += 2;
  }
}
