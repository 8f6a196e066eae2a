import { parseArgs } from 'node:util';
import { PlexusError } from '../api/errors.js';
import { validateResource } from '../api/validate.js';
import { loadPaths } from '../config/load.js';
import type { Command } from './command.js';
import { describeResource, formatDiagnostic } from './format-diagnostic.js';

const usage = `Usage: plexus validate -f PATH... [-o text|json]

Validates Istio configuration the way Istio's validating webhook does: schema, unknown fields,
and Istio's semantic rules. PATH is a file, a directory (read recursively) or - for stdin.
Prints one line per problem, FILE:LINE: Kind namespace/name: field.path: message.
Exit status: 0 when nothing is invalid (warnings allowed), 1 otherwise.`;

/** One entry of the `-o json` report. */
interface JsonProblem {
  file: string;
  line: number;
  kind?: string;
  namespace?: string;
  name?: string;
  path: string;
  severity: 'error' | 'warning';
  message: string;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Validate Istio configuration files (schema and Istio\'s rules)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { filename: { type: 'string', short: 'f', multiple: true }, output: { type: 'string', short: 'o', default: 'text' } },
      allowPositionals: false,
    });
    const paths = values.filename ?? [];
    if (paths.length === 0) throw new PlexusError('PLEXUS_ERR_USAGE', 'validate needs at least one -f PATH (- for stdin)');
    if (values.output !== 'text' && values.output !== 'json') throw new PlexusError('PLEXUS_ERR_USAGE', `unknown output format ${JSON.stringify(values.output)}; use text or json`);

    const loaded = loadPaths(paths, io.stdin);
    const problems: JsonProblem[] = [];
    const lines: string[] = [];
    for (const p of loaded.problems) {
      problems.push({ file: p.file, line: p.line, path: '', severity: 'error', message: p.message });
      lines.push(`${p.file}:${p.line}: ${p.message}`);
    }
    let invalid = loaded.problems.length;
    for (const item of loaded.resources) {
      const result = validateResource(item.resource);
      if (!result.valid) invalid++;
      for (const d of result.diagnostics) {
        const meta = (item.resource?.metadata ?? {}) as { name?: string; namespace?: string };
        problems.push({
          file: item.source?.file ?? '-', line: item.source?.lineOf(d.path) ?? 0,
          kind: item.resource?.kind, namespace: meta.namespace, name: meta.name,
          path: d.path, severity: d.severity, message: d.message,
        });
        lines.push(formatDiagnostic(item, d));
      }
    }
    if (values.output === 'json') {
      io.stdout(`${JSON.stringify({ valid: invalid === 0, resources: loaded.resources.length, invalid, problems }, null, 2)}\n`);
    } else {
      if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
      const summary = invalid === 0
        ? `${loaded.resources.length} resource(s) valid${lines.length > 0 ? ', with warnings' : ''}`
        : `${invalid} of ${loaded.resources.length + loaded.problems.length} document(s) invalid`;
      (invalid === 0 ? io.stdout : io.stderr)(`${summary}\n`);
    }
    return invalid === 0 ? 0 : 1;
  },
};

export { describeResource };
