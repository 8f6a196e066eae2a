import { isPlexusError, PlexusError } from '../api/errors.js';
import type { CliIO, Command } from './command.js';
import { readFileSync } from 'node:fs';

/**
 * A subcommand by name; its module is imported only when it runs (or for help), so
 * `plexus proxy` never loads the controller, the analyzers or the YAML parsers: the sidecar's
 * memory is what the data plane needs.
 */
interface CommandEntry {
  readonly name: string;
  load(): Promise<Command>;
}

/** Every subcommand, in the order `plexus help` lists them. */
const COMMANDS: readonly CommandEntry[] = [
  { name: 'validate', load: async () => (await import('./validate.js')).validateCommand },
  { name: 'analyze', load: async () => (await import('./analyze.js')).analyzeCommand },
  { name: 'apply', load: async () => (await import('./apply.js')).applyCommand },
  { name: 'get', load: async () => (await import('./get.js')).getCommand },
  { name: 'delete', load: async () => (await import('./delete.js')).deleteCommand },
  { name: 'controller', load: async () => (await import('./controller.js')).controllerCommand },
  { name: 'proxy', load: async () => (await import('./proxy.js')).proxyCommand },
  { name: 'proxy-status', load: async () => (await import('./proxy-status.js')).proxyStatusCommand },
  { name: 'proxy-config', load: async () => (await import('./proxy-config.js')).proxyConfigCommand },
  { name: 'up', load: async () => (await import('./up.js')).upCommand },
  { name: 'down', load: async () => (await import('./down.js')).downCommand },
  { name: 'status', load: async () => (await import('./status.js')).statusCommand },
  { name: 'run', load: async () => (await import('./run.js')).runCommand },
  { name: 'gateway', load: async () => (await import('./gateway.js')).gatewayCommand },
  { name: 'demo', load: async () => (await import('./demo.js')).demoCommand },
  { name: 'x', load: async () => (await import('./x-ca.js')).xCommand },
];

async function helpText(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map((c) => c.load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'plexus: a service mesh that reads Istio configuration unchanged',
    '',
    'Usage: plexus COMMAND [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `plexus help COMMAND` for a command\'s flags.',
    '',
  ].join('\n');
}

/** Entry point: dispatches to a subcommand and maps errors to messages and exit codes. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const entry = COMMANDS.find((c) => c.name === rest[0]);
    io.stdout(entry ? `${(await entry.load()).usage}\n` : await helpText());
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`plexus: unknown command ${JSON.stringify(name)}\n\n${await helpText()}`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (isPlexusError(err)) {
      io.stderr(`Error: ${err.message} (${err.code})\n`);
      return err.code === 'PLEXUS_ERR_USAGE' ? 2 : 1;
    }
    // parseArgs from node:util throws TypeErrors with a code for bad flags.
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`Error: ${(err as Error).message}\n\n${cmd.usage}\n`);
      return 2;
    }
    io.stderr(`Internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

/** All of standard input (as config/load's readStdin, without loading the config parsers). */
function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_IO', `cannot read standard input: ${(err as Error).message}`, { cause: err });
  }
}

/** The real process's streams. */
export const processIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  stdin: readStdin,
  env: process.env,
};
