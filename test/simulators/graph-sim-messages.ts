/** Graph's error texts the simulator answers with, shared by its areas (and asserted by tests). */
export const MESSAGES = {
  complexity:
    'The specified password does not comply with password complexity requirements. Please provide a different password.',
  synced:
    'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
  insufficientPrivileges: 'Insufficient privileges to complete the operation.',
  defaultMethod:
    'Cannot delete default method with other methods configured. Please change default method before deletion.',
  /** Not documented verbatim by Microsoft; the doc only says the mobile cannot go while an alternate exists. */
  mobileWithAlternate:
    'Cannot delete the mobile phone method while an alternate mobile phone method is registered. Delete the alternate mobile phone method first.',
  invalidFilter: 'Invalid filter clause',
  managerMissing:
    "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
  userMissing: (id: string) =>
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  /** Documented verbatim (aad-advanced-queries, "Error handling"). */
  searchNeedsEventual:
    "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
  /** The documented wording for `endsWith`, with the operator the request used. */
  advancedQueryRequired: (operator: string) =>
    `Operator '${operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
  /** PIM on a tenant without Entra ID P2 / ID Governance (400 AadPremiumLicenseRequired). */
  pimUnlicensed: 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.',
  pageSize: (top: string) => `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
} as const;
