import { readFile } from 'node:fs/promises';

/** The parts of resolv.conf(5) the runtime and the DNS proxy use. */
export interface ResolvConf {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

/** Parses resolv.conf text; unknown lines are ignored, as the C resolver does. */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...values] = line.split(/\s+/);
    if (key === 'nameserver' && values[0]) nameservers.push(values[0]);
    // The last search or domain line wins (resolv.conf(5)).
    else if (key === 'search') search = values;
    else if (key === 'domain' && values[0]) search = [values[0]];
    else if (key === 'options') options.push(...values);
  }
  return { nameservers, search, options };
}

/** Formats a resolv.conf. */
export function formatResolvConf(conf: ResolvConf): string {
  const lines = ['# Written by plexus for this pod; removed with the pod.'];
  if (conf.search.length > 0) lines.push(`search ${conf.search.join(' ')}`);
  for (const ns of conf.nameservers) lines.push(`nameserver ${ns}`);
  if (conf.options.length > 0) lines.push(`options ${conf.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** Reads and parses a resolv.conf file; an absent file reads as empty. */
export async function readResolvConf(path = '/etc/resolv.conf'): Promise<ResolvConf> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { nameservers: [], search: [], options: [] };
    throw err;
  }
}

/**
 * The search list a pod in `namespace` gets, as kubelet writes it for a pod, followed by the
 * host's own search domains; with `ndots:5` short mesh names hit the mesh suffixes first.
 */
export function podSearchDomains(namespace: string, domainSuffix: string, hostSearch: readonly string[]): string[] {
  const mesh = [`${namespace}.svc.${domainSuffix}`, `svc.${domainSuffix}`, domainSuffix];
  return [...mesh, ...hostSearch.filter((d) => !mesh.includes(d))];
}
