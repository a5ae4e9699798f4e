/** Which ticket sources mean which request channel, as the Halo and ConnectWise adapters take them. */
export interface ChannelSources {
  email?: Array<string | number>;
  portal?: Array<string | number>;
  agent?: Array<string | number>;
}

/**
 * Source lists from configuration: numeric entries are the PSA's source ids, the rest source names. A list
 * left empty keeps the adapter's built-in names for that channel (undefined here).
 */
export function channelSourcesFrom(lists: {
  email: string[];
  portal: string[];
  agent: string[];
}): ChannelSources | undefined {
  const parse = (list: string[]) =>
    list.length ? list.map((v) => (/^\d+$/.test(v) ? Number(v) : v)) : undefined;
  const sources = { email: parse(lists.email), portal: parse(lists.portal), agent: parse(lists.agent) };
  return sources.email || sources.portal || sources.agent ? sources : undefined;
}
