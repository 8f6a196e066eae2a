import { parseArgs } from 'node:util';
import { PlexusError } from '../api/errors.js';
import { kindDefinition } from '../api/kinds/registry.js';
import { splitApiVersion, type Resource } from '../api/resource.js';
import type { ApplyItemResult } from '../config/admin-api/protocol.js';
import { singularTypeName } from '../config/admin-api/resolve-kind.js';
import { AdminApiError, AdminClient } from './admin-client.js';
import type { Command } from './command.js';
import { describeResource, formatDiagnostic } from './format-diagnostic.js';
import { resolveHome } from './home.js';
import { loadObjects } from './load-objects.js';

const usage = `Usage: plexus apply -f PATH... [-n NAMESPACE] [--dry-run] [--home DIR]

Creates or updates configuration in the running controller (found through DIR/controller.json;
--home, else $PLEXUS_HOME, else ~/.plexus). PATH is a file, a directory (read recursively) or -
for stdin. Every document is validated before any is written: if one is invalid, each error is
printed as FILE:LINE: Kind namespace/name: field.path: message, nothing is applied, and the exit
status is 1. Prints one line per object: TYPE/NAME created|configured|unchanged.

Flags:
  -n, --namespace NS   namespace for objects that name none (default: default)
  --dry-run            validate and report on the controller, change nothing`;

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Create or update configuration in the running controller',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        namespace: { type: 'string', short: 'n' },
        'dry-run': { type: 'boolean', default: false },
        home: { type: 'string' },
      },
      allowPositionals: false,
    });
    const paths = values.filename ?? [];
    if (paths.length === 0) throw new PlexusError('PLEXUS_ERR_USAGE', 'apply needs at least one -f PATH (- for stdin)');
    const dryRun = values['dry-run'] ?? false;
    const { items, failed } = loadObjects(paths, io, true);
    if (failed) {
      io.stderr('error: the input has errors; nothing was applied\n');
      return 1;
    }
    if (items.length === 0) {
      io.stderr('error: no objects passed to apply\n');
      return 1;
    }
    const mismatches = items.flatMap((item) => {
      const why = setNamespace(item.resource, values.namespace);
      return why ? [`${item.source ? `${item.source.file}:${item.source.lineOf('metadata.namespace')}: ` : ''}${describeResource(item.resource)}: ${why}`] : [];
    });
    if (mismatches.length > 0) {
      io.stderr(`${mismatches.join('\n')}\nerror: nothing was applied\n`);
      return 1;
    }
    const client = AdminClient.connect(resolveHome(values.home, io.env));
    let results: ApplyItemResult[];
    try {
      results = (await client.apply(items.map((i) => ({ resource: i.resource })), dryRun)).results;
    } catch (err) {
      if (!(err instanceof AdminApiError) || !err.results) throw err;
      if (err.status === 400) {
        let invalid = 0;
        err.results.forEach((r, i) => {
          if (r.outcome !== 'invalid') return;
          invalid++;
          for (const d of r.diagnostics) io.stderr(`${formatDiagnostic(items[i], d)}\n`);
        });
        io.stderr(`error: ${invalid} of ${items.length} object(s) invalid; nothing was applied\n`);
        return 1;
      }
      err.results.forEach((r, i) => {
        if (r.outcome === 'conflict') io.stderr(`Error from server (Conflict): ${describeResource(items[i].resource)}: ${r.message}\n`);
      });
      io.stderr('error: nothing was applied\n');
      return 1;
    }
    const suffix = dryRun ? ' (server dry run)' : '';
    results.forEach((r, i) => {
      if (r.outcome === 'invalid' || r.outcome === 'conflict') return;
      for (const w of r.warnings ?? []) io.stderr(`Warning: ${formatDiagnostic(items[i], w)}\n`);
      io.stdout(`${typeName(r.resource)}/${r.resource.metadata.name} ${r.outcome}${suffix}\n`);
    });
    return 0;
  },
};

/** `-n` fills in the namespace of namespaced objects that name none; like kubectl, it refuses a different one. */
function setNamespace(r: Resource, namespace: string | undefined): string | undefined {
  if (namespace === undefined || typeof r?.metadata !== 'object' || r.metadata === null || typeof r.apiVersion !== 'string') return undefined;
  const def = kindDefinition(splitApiVersion(r.apiVersion).group, r.kind);
  if (!def?.namespaced) return undefined;
  if (!r.metadata.namespace) r.metadata.namespace = namespace;
  else if (r.metadata.namespace !== namespace) return `the namespace from the object (${JSON.stringify(r.metadata.namespace)}) does not match --namespace ${JSON.stringify(namespace)}`;
  return undefined;
}

function typeName(r: Resource): string {
  const def = kindDefinition(splitApiVersion(r.apiVersion).group, r.kind);
  return def ? singularTypeName(def) : r.kind.toLowerCase();
}
