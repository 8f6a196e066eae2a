import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { PlexusError } from '../api/errors.js';
import type { Resource } from '../api/resource.js';
import { pluralTypeName, resolveKind, singularTypeName } from '../config/admin-api/resolve-kind.js';
import { AdminApiError, AdminClient } from './admin-client.js';
import type { Command } from './command.js';
import { renderTable } from './get-table.js';
import { resolveHome } from './home.js';

const usage = `Usage: plexus get KIND [NAME...] [-n NAMESPACE | -A] [-o yaml|json|wide|name] [--show-secrets] [--home DIR]

Shows configuration held by the running controller, like kubectl get. KIND is a kind, plural
or short name (vs, virtualservices, VirtualService, virtualservices.networking.istio.io).

Flags:
  -n, --namespace NS     namespace to read (default: default)
  -A, --all-namespaces   every namespace; adds a NAMESPACE column
  -o, --output FORMAT    yaml, json, wide (extra columns) or name
      --show-secrets     print Secret values (data, stringData); without it they read [redacted]`;

const FORMATS = ['table', 'yaml', 'json', 'wide', 'name'];

export const getCommand: Command = {
  name: 'get',
  summary: 'Show configuration held by the running controller',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        namespace: { type: 'string', short: 'n' },
        'all-namespaces': { type: 'boolean', short: 'A', default: false },
        output: { type: 'string', short: 'o', default: 'table' },
        home: { type: 'string' },
        'show-secrets': { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const [kindName, ...names] = positionals;
    if (!kindName) throw new PlexusError('PLEXUS_ERR_USAGE', 'get needs a KIND (for example: plexus get virtualservices)');
    const format = values.output ?? 'table';
    if (!FORMATS.includes(format)) throw new PlexusError('PLEXUS_ERR_USAGE', `unknown output format ${JSON.stringify(format)}; use yaml, json, wide or name`);
    const all = values['all-namespaces'] ?? false;
    if (all && values.namespace !== undefined) throw new PlexusError('PLEXUS_ERR_USAGE', '-n and -A cannot be used together');
    if (all && names.length > 0) throw new PlexusError('PLEXUS_ERR_USAGE', 'a resource cannot be retrieved by name across all namespaces');
    const def = resolveKind(kindName);
    if (!def) throw new PlexusError('PLEXUS_ERR_UNKNOWN_KIND', `the server doesn't have a resource type ${JSON.stringify(kindName)}`);
    const namespace = def.namespaced ? (all ? undefined : values.namespace ?? 'default') : undefined;
    const client = AdminClient.connect(resolveHome(values.home, io.env));
    const showSecrets = values['show-secrets'] ?? false;

    let items: Resource[];
    let failed = false;
    if (names.length === 0) {
      items = (await client.list(pluralTypeName(def), namespace, showSecrets)).items;
      if (items.length === 0) {
        io.stderr(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
        return 0;
      }
    } else {
      items = [];
      for (const name of names) {
        try {
          items.push(await client.get(pluralTypeName(def), name, namespace, showSecrets));
        } catch (err) {
          if (!(err instanceof AdminApiError) || err.status !== 404) throw err;
          io.stderr(`Error from server (NotFound): ${pluralTypeName(def)} ${JSON.stringify(name)} not found\n`);
          failed = true;
        }
      }
    }
    if (items.length > 0) {
      const single = names.length === 1 && items.length === 1;
      const doc = single ? items[0] : { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
      if (format === 'yaml') io.stdout(stringify(doc, { lineWidth: 0, indentSeq: false }));
      else if (format === 'json') io.stdout(`${JSON.stringify(doc, null, 4)}\n`);
      else if (format === 'name') io.stdout(items.map((r) => `${singularTypeName(def)}/${r.metadata.name}\n`).join(''));
      else io.stdout(renderTable(def, items, { allNamespaces: all, wide: format === 'wide' }));
    }
    return failed ? 1 : 0;
  },
};
