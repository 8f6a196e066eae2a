import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { PlexusError } from '../api/errors.js';
import type { Command } from './command.js';
import { controllerSource, proxyAdminSource, staticSource, type ConfigDumpSource } from './config-dump-source.js';
import { viewConfigDump, type ConfigDumpView, type Json } from './config-dump-view.js';
import { resolveHome } from './home.js';
import { offlineConfigDump } from './offline-proxy.js';
import { clusterTable, endpointTable, listenerTable, routeTable } from './proxy-config-tables.js';
import { certDirConfigDump, secretEntries, secretTable } from './proxy-config-secrets.js';
import type { EnvoyConfigDump } from '../xds/config-dump.js';

const usage = `Usage: plexus proxy-config cluster|listener|route|endpoint|secret|all PROXY [-o table|json|yaml] [--home DIR]
       plexus proxy-config ... --admin URL              (read a proxy's own admin /config_dump)
       plexus proxy-config secret --cert-dir DIR       (read an agent's cert-chain.pem, root-cert.pem)
       plexus proxy-config ... --offline -f DIR... --workload NS/NAME [--type sidecar|router] [--generator grpc]

Shows the configuration a proxy gets, with istioctl proxy-config's tables: cluster (SERVICE
FQDN, PORT, SUBSET, DIRECTION, TYPE, DESTINATION RULE), listener (ADDRESSES, PORT, MATCH,
DESTINATION), route (NAME, VHOST NAME, DOMAINS, MATCH, VIRTUAL SERVICE), endpoint (ENDPOINT,
STATUS, OUTLIER CHECK, CLUSTER), secret (RESOURCE NAME, TYPE, STATUS, VALID CERT, SERIAL NUMBER,
NOT AFTER, NOT BEFORE, then each root's SHA-256 fingerprint). -o json prints the resources as Envoy's JSON; for "all",
the whole config dump. PROXY is a node id or <pod>.<namespace> connected to the controller
of the home directory (--home, else $PLEXUS_HOME, else ~/.plexus).

With --offline nothing runs: the files are loaded, the registry and push context are built
in-process, the workload (a WorkloadEntry or Pod) gets a synthesised proxy node, and its
configuration is printed.`;

const KINDS = ['cluster', 'listener', 'route', 'endpoint', 'secret', 'all'] as const;
type Kind = (typeof KINDS)[number];
const ALIASES: Readonly<Record<string, Kind>> = { clusters: 'cluster', c: 'cluster', listeners: 'listener', l: 'listener', routes: 'route', r: 'route', endpoints: 'endpoint', ep: 'endpoint', secrets: 'secret', s: 'secret' };

function table(kind: Exclude<Kind, 'all'>, view: ConfigDumpView, dump: EnvoyConfigDump): string {
  switch (kind) {
    case 'cluster': return clusterTable(view.clusters);
    case 'listener': return listenerTable(view.listeners);
    case 'route': return routeTable(view.routes);
    case 'endpoint': return endpointTable(view.endpoints);
    case 'secret': return secretTable(secretEntries(dump));
  }
}

function items(kind: Exclude<Kind, 'all'>, view: ConfigDumpView): Json[] {
  return { cluster: view.clusters, listener: view.listeners, route: view.routes, endpoint: view.endpoints, secret: view.secrets }[kind];
}

export const proxyConfigCommand: Command = {
  name: 'proxy-config',
  summary: "Show a proxy's clusters, listeners, routes and endpoints (live or offline)",
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        output: { type: 'string', short: 'o', default: 'table' },
        home: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        admin: { type: 'string' },
        'cert-dir': { type: 'string' },
        offline: { type: 'boolean', default: false },
        filename: { type: 'string', short: 'f', multiple: true },
        workload: { type: 'string' },
        type: { type: 'string', default: 'sidecar' },
        generator: { type: 'string' },
      },
      allowPositionals: true,
    });
    const [kindArg, proxyArg, ...extra] = positionals;
    const kind = kindArg ? (ALIASES[kindArg] ?? (KINDS as readonly string[]).find((k) => k === kindArg) as Kind | undefined) : undefined;
    if (!kind) throw new PlexusError('PLEXUS_ERR_USAGE', `proxy-config needs one of ${KINDS.join(', ')}${kindArg ? `, not ${JSON.stringify(kindArg)}` : ''}`);
    if (extra.length > 0) throw new PlexusError('PLEXUS_ERR_USAGE', `unexpected arguments: ${extra.join(' ')}`);
    const format = values.output ?? 'table';
    if (!['table', 'json', 'yaml', 'short'].includes(format)) throw new PlexusError('PLEXUS_ERR_USAGE', `unknown output format ${JSON.stringify(format)}; use table, json or yaml`);

    let source: ConfigDumpSource;
    if (values.offline) {
      const files = values.filename ?? [];
      if (files.length === 0) throw new PlexusError('PLEXUS_ERR_USAGE', '--offline needs the config files: -f DIR');
      if (!values.workload) throw new PlexusError('PLEXUS_ERR_USAGE', '--offline needs --workload NS/NAME (a WorkloadEntry or Pod in the files)');
      if (values.type !== 'sidecar' && values.type !== 'router') throw new PlexusError('PLEXUS_ERR_USAGE', `--type must be sidecar or router, not ${JSON.stringify(values.type)}`);
      if (values.generator !== undefined && values.generator !== 'grpc') throw new PlexusError('PLEXUS_ERR_USAGE', `--generator must be grpc (proxyless), not ${JSON.stringify(values.generator)}`);
      const request = { paths: files, workload: values.workload, defaultNamespace: values.namespace ?? 'default', type: values.type as 'sidecar' | 'router', generator: values.generator as 'grpc' | undefined };
      source = staticSource(`offline generation for ${values.workload}`, () => offlineConfigDump(request));
    } else if (values['cert-dir']) {
      if (kind !== 'secret') throw new PlexusError('PLEXUS_ERR_USAGE', '--cert-dir holds only certificates: use it with proxy-config secret');
      const dir = values['cert-dir'];
      source = staticSource(`the certificate files in ${dir}`, () => certDirConfigDump(dir));
    } else if (values.admin) {
      source = proxyAdminSource(values.admin);
    } else {
      if (!proxyArg) throw new PlexusError('PLEXUS_ERR_USAGE', `proxy-config ${kind} needs a PROXY (see plexus proxy-status), or --offline`);
      const proxy = proxyArg.includes('.') || proxyArg.includes('~') || !values.namespace ? proxyArg : `${proxyArg}.${values.namespace}`;
      source = controllerSource(resolveHome(values.home, io.env), proxy);
    }
    const dump = await source.fetch();
    if (kind === 'all' && format !== 'table' && format !== 'short') {
      io.stdout(format === 'yaml' ? stringify(dump, { lineWidth: 0 }) : `${JSON.stringify(dump, null, 4)}\n`);
      return 0;
    }
    const view = viewConfigDump(dump);
    if (kind === 'all') {
      const parts = (['cluster', 'listener', 'route', 'endpoint'] as const).map((k) => table(k, view, dump));
      if (view.secrets.length > 0) parts.push(table('secret', view, dump));
      io.stdout(parts.join('\n'));
      return 0;
    }
    if (format === 'json') io.stdout(`${JSON.stringify(items(kind, view), null, 4)}\n`);
    else if (format === 'yaml') io.stdout(stringify(items(kind, view), { lineWidth: 0 }));
    else io.stdout(table(kind, view, dump));
    return 0;
  },
};
