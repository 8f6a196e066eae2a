import { parseArgs } from 'node:util';
import { PlexusError } from '../api/errors.js';
import { kindDefinition } from '../api/kinds/registry.js';
import type { KindDefinition } from '../api/kinds/kind.js';
import { splitApiVersion } from '../api/resource.js';
import { pluralTypeName, resolveKind, singularTypeName } from '../config/admin-api/resolve-kind.js';
import { AdminApiError, AdminClient } from './admin-client.js';
import type { Command } from './command.js';
import { describeResource } from './format-diagnostic.js';
import { resolveHome } from './home.js';
import { loadObjects } from './load-objects.js';

const usage = `Usage: plexus delete -f PATH... [--ignore-not-found] [--home DIR]
       plexus delete KIND NAME... [-n NAMESPACE] [--ignore-not-found] [--home DIR]

Deletes configuration from the running controller: the objects named in files (PATH is a
file, a directory or - for stdin), or by kind and name. Prints TYPE "NAME" deleted per object;
exits 1 when an object was not found (unless --ignore-not-found) or could not be deleted.

Flags:
  -n, --namespace NS    namespace of the objects (default: default, or the files' own)
  --ignore-not-found    treat objects that do not exist as deleted`;

/** One object to delete. */
interface Target {
  def: KindDefinition<never>;
  name: string;
  namespace?: string;
}

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete configuration from the running controller',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        namespace: { type: 'string', short: 'n' },
        'ignore-not-found': { type: 'boolean', default: false },
        home: { type: 'string' },
      },
      allowPositionals: true,
    });
    const paths = values.filename ?? [];
    if (paths.length > 0 && positionals.length > 0) throw new PlexusError('PLEXUS_ERR_USAGE', 'use either -f PATH or KIND NAME, not both');
    let failed = false;
    const targets: Target[] = [];
    if (paths.length > 0) {
      const loaded = loadObjects(paths, io, false);
      if (loaded.failed) {
        io.stderr('error: the input has errors; nothing was deleted\n');
        return 1;
      }
      for (const item of loaded.items) {
        const r = item.resource;
        const def = typeof r?.apiVersion === 'string' ? kindDefinition(splitApiVersion(r.apiVersion).group, r.kind) : undefined;
        const name = r?.metadata?.name;
        if (!def || typeof name !== 'string' || name === '') {
          io.stderr(`${item.source ? `${item.source.file}:${item.source.line}: ` : ''}${describeResource(r)}: ${def ? 'metadata.name is required' : 'unknown kind or apiVersion'}\n`);
          failed = true;
          continue;
        }
        targets.push({ def, name, namespace: def.namespaced ? (r.metadata.namespace || values.namespace || 'default') : undefined });
      }
    } else {
      const [kindName, ...names] = positionals;
      if (!kindName || names.length === 0) throw new PlexusError('PLEXUS_ERR_USAGE', 'delete needs -f PATH, or KIND and at least one NAME');
      const def = resolveKind(kindName);
      if (!def) throw new PlexusError('PLEXUS_ERR_UNKNOWN_KIND', `the server doesn't have a resource type ${JSON.stringify(kindName)}`);
      for (const name of names) targets.push({ def, name, namespace: def.namespaced ? values.namespace ?? 'default' : undefined });
    }
    if (targets.length === 0) return failed ? 1 : 0;
    const client = AdminClient.connect(resolveHome(values.home, io.env));
    for (const t of targets) {
      try {
        await client.delete(pluralTypeName(t.def), t.name, t.namespace);
        io.stdout(`${singularTypeName(t.def)} ${JSON.stringify(t.name)} deleted\n`);
      } catch (err) {
        if (!(err instanceof AdminApiError) || (err.status !== 404 && err.status !== 409)) throw err;
        if (err.status === 404 && values['ignore-not-found']) continue;
        io.stderr(err.status === 404
          ? `Error from server (NotFound): ${pluralTypeName(t.def)} ${JSON.stringify(t.name)} not found\n`
          : `Error from server (Conflict): ${err.message}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
