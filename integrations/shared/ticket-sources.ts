/** Which ticket sources mean which request channel, as the Halo and ConnectWise adapters take them. */
export interface ChannelSources {
  email?: Array<string | number>;
  portal?: Array<string | number>;
  agent?: Array<string | number>;
}

/**
 * Source lists from a PSA's configuration section: numeric entries are the PSA's source ids, the rest source
 * names. A list left empty keeps the adapter's built-in names for that channel (undefined here).
 */
export function channelSourcesFrom(section: {
  emailSources: string[];
  portalSources: string[];
  agentSources: string[];
}): ChannelSources | undefined {
  const parse = (list: string[]) =>
    list.length ? list.map((v) => (/^\d+$/.test(v) ? Number(v) : v)) : undefined;
  const sources = {
    email: parse(section.emailSources),
    portal: parse(section.portalSources),
    agent: parse(section.agentSources),
  };
  return sources.email || sources.portal || sources.agent ? sources : undefined;
}

type Channel = 'email' | 'portal' | 'agent';

/** A PSA's source lists made ready to match: ids as numbers, names trimmed and lower-cased. */
export type SourceMatchers = Record<Channel, { ids: Set<number>; names: Set<string> }>;

/** The configured lists, each channel falling back to the adapter's built-in names when not configured. */
export function sourceMatchers(
  configured: ChannelSources | undefined,
  defaults: Readonly<Record<Channel, readonly string[]>>,
): SourceMatchers {
  const build = (channel: Channel) => {
    const list: ReadonlyArray<string | number> = configured?.[channel] ?? defaults[channel];
    return {
      ids: new Set(list.filter((v): v is number => typeof v === 'number')),
      names: new Set(
        list.filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase()),
      ),
    };
  };
  return { email: build('email'), portal: build('portal'), agent: build('agent') };
}

/**
 * The channel whose list holds the source's id or its name (exactly, case-insensitively). Email is checked
 * first, so a source listed twice counts as email; anything no list holds is `unknown`.
 */
export function channelMatching(
  source: { id?: number; name?: string },
  sources: SourceMatchers,
): 'email' | 'portal' | 'agent' | 'unknown' {
  const name = source.name?.trim().toLowerCase() || undefined;
  for (const channel of ['email', 'portal', 'agent'] as const) {
    const m = sources[channel];
    if ((source.id !== undefined && m.ids.has(source.id)) || (name !== undefined && m.names.has(name)))
      return channel;
  }
  return 'unknown';
}
