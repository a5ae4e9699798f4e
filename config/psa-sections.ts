/**
 * The PSA sections of the configuration, one per PSA the service can talk to; each is required in full only
 * when its PSA is enabled. The same names as the domain's PSA_KINDS: the wiring plan is where the compiler
 * checks the two agree (the configuration may not import the domain).
 */
export const PSA_SECTIONS = ['halopsa', 'connectwise', 'autotask'] as const;

export type PsaSectionName = (typeof PSA_SECTIONS)[number];
