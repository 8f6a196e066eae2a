import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isPlexusError, PlexusError } from '../api/errors.js';
import { ALL_ANALYZERS } from '../analyze/all-analyzers.js';
import { formatMessages, OUTPUT_FORMATS, type OutputFormat } from '../analyze/format.js';
import { atLeast, LEVELS, parseLevel, type Level } from '../analyze/level.js';
import { messageTypeByCode } from '../analyze/message-types.js';
import { analyzeResources } from '../analyze/run.js';
import { parseSuppression, type Suppression } from '../analyze/suppression.js';
import { loadPaths, loadText } from '../config/load.js';
import type { CliIO, Command } from './command.js';

/** Exit codes istioctl analyze uses, so CI scripts written for it keep working. */
export const ANALYZE_EXIT = {
  ok: 0,
  internal: 1,
  usage: 64,
  parseError: 65,
  issuesFound: 79,
} as const;

const USAGE = `Usage: plexus analyze [flags] PATH...

Analyzes Istio configuration files offline and prints Istio's analysis messages (IST0101...).
PATH is a file, a directory (read recursively) or - for standard input.

Flags:
  -o, --output FORMAT            log (default), json or yaml
      --failure-threshold LEVEL  lowest level that makes the exit code non-zero: Error (default), Warning, Info
      --output-threshold LEVEL   lowest level printed: Info (default), Warning, Error
  -S, --suppress CODE=RESOURCE   drop a code on matching resources, e.g. "IST0102=Namespace *"
                                 or "IST0101=VirtualService reviews.default" (repeatable)
      --meshConfigFile FILE      MeshConfig to analyze with (overrides one found in the input)
  -n, --namespace NS             namespace of resources that name none, and the one reported on (default "default")
  -A, --all-namespaces           report on every namespace
  -i, --istioNamespace NS        Istio control plane namespace (default "istio-system")
  -L, --list-analyzers           list the analyzers and exit
  -v, --verbose                  list the analyzers that ran (on stderr)

Exit codes: 0 clean, 79 issues at or above the failure threshold, 65 unparsable input, 64 usage error.`;

function usageError(message: string): never {
  throw new PlexusError('PLEXUS_ERR_USAGE', message);
}

function levelFlag(value: string | undefined, flag: string, fallback: Level): Level {
  if (value === undefined) return fallback;
  return parseLevel(value) ?? usageError(`${JSON.stringify(value)} is not a valid ${flag}; use one of ${LEVELS.join(', ')}`);
}

function listAnalyzers(): string {
  return [...ALL_ANALYZERS]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((a) => `* ${a.name}:\n    ${a.description}\n`)
    .join('');
}

function readMeshConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_IO', `cannot read mesh config ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { resources, problems } = loadText(text, file);
  if (problems.length > 0) throw new PlexusError('PLEXUS_ERR_PARSE', `${file}:${problems[0].line}: ${problems[0].message}`);
  const mesh = resources.find((r) => r.resource.kind === 'MeshConfig');
  if (!mesh) throw new PlexusError('PLEXUS_ERR_PARSE', `${file} holds no mesh config (a MeshConfig document or the istio ConfigMap)`);
  return (mesh.resource.spec ?? {}) as Record<string, unknown>;
}

/** Drops istioctl flags that mean nothing offline (`--use-kube=false`, `--color`), so scripts run unchanged. */
function dropClusterFlags(args: string[]): string[] {
  return args.filter((a) => !/^(--use-kube|-k|--color|--recursive|-R|--ignore-unknown)(=.*)?$/.test(a));
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: dropClusterFlags(args),
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      'failure-threshold': { type: 'string' },
      'output-threshold': { type: 'string' },
      suppress: { type: 'string', short: 'S', multiple: true },
      meshConfigFile: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      istioNamespace: { type: 'string', short: 'i' },
      'list-analyzers': { type: 'boolean', short: 'L' },
      verbose: { type: 'boolean', short: 'v' },
    },
  });
  const format = (values.output ?? 'log').toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) usageError(`${JSON.stringify(values.output)} is not a valid output format; use one of ${OUTPUT_FORMATS.join(', ')}`);
  const failureThreshold = levelFlag(values['failure-threshold'], '--failure-threshold', 'Error');
  const outputThreshold = levelFlag(values['output-threshold'], '--output-threshold', 'Info');
  const suppressions: Suppression[] = (values.suppress ?? []).map(parseSuppression);
  for (const s of suppressions) {
    if (!messageTypeByCode(s.code)) io.stderr(`Warning: ${s.code} is not a known message code; its suppression has no effect.\n`);
  }
  if (values['list-analyzers']) {
    io.stdout(listAnalyzers());
    return ANALYZE_EXIT.ok;
  }
  if (positionals.length === 0) usageError('no files to analyze: give one or more files, directories, or - for standard input');

  const namespace = values.namespace || 'default';
  const allNamespaces = values['all-namespaces'] ?? false;
  const target = allNamespaces ? 'all namespaces' : `namespace: ${namespace}`;
  const meshConfig = values.meshConfigFile ? readMeshConfig(values.meshConfigFile) : undefined;

  const { resources, problems } = loadPaths(positionals, io.stdin);
  for (const p of problems) io.stderr(`Error: ${p.file}:${p.line}: ${p.message}\n`);
  const badFiles = new Set(problems.map((p) => p.file)).size;

  const result = analyzeResources(resources, { namespace, allNamespaces, meshConfig, suppressions, istioNamespace: values.istioNamespace });
  if (values.verbose) io.stderr(`Analyzed resources in ${target}\nExecuted analyzers:\n${result.executed.map((n) => `\t ${n}\n`).join('')}\n`);

  const shown = result.messages.filter((m) => atLeast(m.type.level, outputThreshold));
  const text = formatMessages(shown, format as OutputFormat);
  if (text !== '') io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  if (shown.length === 0) {
    if (badFiles === 0) io.stderr(`\u2714 No validation issues found when analyzing ${target}.\n`);
    else io.stderr(`No validation issues found when analyzing ${target} (but ${badFiles} ${badFiles === 1 ? 'file' : 'files'} could not be parsed).\n`);
  }
  // As istioctl: the exit code reflects every message (not only those shown), and only in log format.
  if (format !== 'log') return ANALYZE_EXIT.ok;
  if (result.messages.some((m) => atLeast(m.type.level, failureThreshold))) {
    io.stderr(`Error: Analyzers found issues when analyzing ${target}.\nSee https://istio.io/latest/docs/reference/config/analysis for more information about causes and resolutions.\n`);
    return ANALYZE_EXIT.issuesFound;
  }
  if (badFiles > 0) {
    io.stderr('Error: Some files couldn\'t be parsed.\n');
    return ANALYZE_EXIT.parseError;
  }
  return ANALYZE_EXIT.ok;
}

/** `plexus analyze`: Istio's offline analyzers over files, with istioctl's output and exit codes. */
export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'Analyze Istio configuration files and print validation messages',
  usage: USAGE,
  async run(args, io) {
    try {
      return await run(args, io);
    } catch (err) {
      // istioctl exits 64 on usage errors; main's generic mapping would give 2.
      const code = (err as { code?: string }).code;
      if (isPlexusError(err, 'PLEXUS_ERR_USAGE') || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
        io.stderr(`Error: ${(err as Error).message}\n\n${USAGE}\n`);
        return ANALYZE_EXIT.usage;
      }
      throw err;
    }
  },
};
