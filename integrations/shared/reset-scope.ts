/**
 * Which tickets are reset requests, for a PSA that files tickets in containers (Autotask queues, ConnectWise
 * boards) and types them on two levels (issue / sub-issue types, types / subtypes).
 */
export interface ResetScope<T> {
  /** The containers reset requests are filed in; a ticket in none of them is never a reset request. */
  containers: readonly number[];
  /** When it lists anything, the ticket's type must be one of these; empty or absent: any type. */
  types?: readonly T[];
  /** When it lists anything, the ticket's sub-type must be one of these; empty or absent: any sub-type. */
  subTypes?: readonly T[];
}

/** A ticket's place as the PSA reports it; undefined where the ticket has none, or one the adapter cannot read. */
export interface TicketPlace<T> {
  container: number | undefined;
  type: T | undefined;
  subType: T | undefined;
}

/**
 * The test for one scope: a ticket is a reset request when it is in one of the containers and its type and
 * sub-type pass their lists. `normalise` puts configured values in the form the adapter reads ticket values in
 * (ConnectWise compares names trimmed and lower-cased). A ticket value that is undefined never passes a list.
 */
export function resetScopeTest<T>(
  scope: ResetScope<T>,
  normalise: (value: T) => T = (value) => value,
): (ticket: TicketPlace<T>) => boolean {
  const containers = new Set(scope.containers);
  const types = listedOrAny(scope.types, normalise);
  const subTypes = listedOrAny(scope.subTypes, normalise);
  return ({ container, type, subType }) =>
    container !== undefined &&
    containers.has(container) &&
    (types === 'any' || (type !== undefined && types.has(type))) &&
    (subTypes === 'any' || (subType !== undefined && subTypes.has(subType)));
}

function listedOrAny<T>(values: readonly T[] | undefined, normalise: (value: T) => T): Set<T> | 'any' {
  return values && values.length > 0 ? new Set(values.map(normalise)) : 'any';
}
