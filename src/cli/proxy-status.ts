import { parseArgs } from 'node:util';
import { PlexusError } from '../api/errors.js';
import { proxyMatches, proxyShortName } from '../xds/debug/proxy-name.js';
import type { SynczEntry, SynczType } from '../xds/debug/syncz.js';
import type { Command } from './command.js';
import { resolveHome } from './home.js';
import { MonitoringClient } from './monitoring-client.js';
import { renderTabTable } from './tab-table.js';

const usage = `Usage: plexus proxy-status [PROXY] [-o table|json] [--home DIR]

Shows, like istioctl proxy-status, every proxy connected to the controller of the home
directory (--home, else $PLEXUS_HOME, else ~/.plexus) and whether each xDS type is in sync:
SYNCED (the proxy acknowledged the last response), NOT SENT (nothing sent yet), STALE (sent,
not yet acknowledged; "Never Acknowledged" when nothing ever was) or NACKED (the proxy
rejected the last response; istioctl reports this as STALE). NACK errors are listed below
the table. PROXY is a node id or <pod>.<namespace>.`;

/** istioctl's columns after NAME and CLUSTER, by the type's short name. */
const XDS_COLUMNS = ['CDS', 'LDS', 'EDS', 'RDS', 'ECDS'] as const;

/** istioctl's word for one type; NACKED is Plexus's, where istioctl says STALE. */
export function statusWord(t: SynczType | undefined): string {
  if (!t || t.nonce_sent === '') return 'NOT SENT';
  if (t.state === 'NACKED') return 'NACKED';
  if (t.nonce_acked === t.nonce_sent) return 'SYNCED';
  return t.nonce_acked === '' ? 'STALE (Never Acknowledged)' : 'STALE';
}

/** The proxy-status table and the NACK details under it. */
export function renderProxyStatus(entries: readonly SynczEntry[]): string {
  const rows = [['NAME', 'CLUSTER', ...XDS_COLUMNS, 'ISTIOD', 'VERSION']];
  const nacks: string[] = [];
  for (const e of entries) {
    const name = proxyShortName(e.proxy);
    rows.push([name, e.cluster_id, ...XDS_COLUMNS.map((c) => statusWord(e.types[c])), e.control_plane, e.istio_version || e.proxy_version]);
    for (const c of XDS_COLUMNS) {
      const n = e.types[c]?.nack;
      if (n) nacks.push(`${name} ${c} NACK of version ${n.rejected_version} (nonce ${n.nonce}) at ${n.at}: ${n.error}`);
    }
  }
  return renderTabTable(rows, 5) + (nacks.length > 0 ? `\n${nacks.join('\n')}\n` : '');
}

export const proxyStatusCommand: Command = {
  name: 'proxy-status',
  summary: 'Show the xDS sync status of the proxies connected to the controller',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { output: { type: 'string', short: 'o', default: 'table' }, home: { type: 'string' }, namespace: { type: 'string', short: 'n' } },
      allowPositionals: true,
    });
    if (positionals.length > 1) throw new PlexusError('PLEXUS_ERR_USAGE', 'proxy-status takes at most one PROXY');
    const format = values.output ?? 'table';
    if (format !== 'table' && format !== 'json') throw new PlexusError('PLEXUS_ERR_USAGE', `unknown output format ${JSON.stringify(format)}; use table or json`);
    const client = MonitoringClient.connect(resolveHome(values.home, io.env));
    let entries = await client.getJson<SynczEntry[]>('/debug/syncz');
    const wanted = positionals[0];
    if (wanted) {
      entries = entries.filter((e) => proxyMatches(wanted, e.proxy, e.connection_id, values.namespace ?? 'default'));
      if (entries.length === 0) throw new PlexusError('PLEXUS_ERR_NOT_FOUND', `no proxy ${JSON.stringify(wanted)} is connected to the controller`);
    }
    io.stdout(format === 'json' ? `${JSON.stringify(entries, null, 2)}\n` : renderProxyStatus(entries));
    return 0;
  },
};
