import { isPlexusError } from '../api/errors.js';
import type { CliIO, Command } from './command.js';
import { readStdin } from '../config/load.js';
import { validateCommand } from './validate.js';
import { analyzeCommand } from './analyze.js';
import { applyCommand } from './apply.js';
import { getCommand } from './get.js';
import { deleteCommand } from './delete.js';
import { controllerCommand } from './controller.js';
import { proxyCommand } from './proxy.js';
import { proxyStatusCommand } from './proxy-status.js';
import { proxyConfigCommand } from './proxy-config.js';
import { xCommand } from './x-ca.js';

/** Every subcommand, in the order `plexus help` lists them. */
const COMMANDS: readonly Command[] = [validateCommand, analyzeCommand, applyCommand, getCommand, deleteCommand, controllerCommand, proxyCommand, proxyStatusCommand, proxyConfigCommand, xCommand];

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'plexus: a service mesh that reads Istio configuration unchanged',
    '',
    'Usage: plexus COMMAND [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `plexus help COMMAND` for a command\'s flags.',
    '',
  ].join('\n');
}

/** Entry point: dispatches to a subcommand and maps errors to messages and exit codes. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const cmd = COMMANDS.find((c) => c.name === rest[0]);
    io.stdout(cmd ? `${cmd.usage}\n` : helpText());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(`plexus: unknown command ${JSON.stringify(name)}\n\n${helpText()}`);
    return 2;
  }
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

/** The real process's streams. */
export const processIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  stdin: readStdin,
  env: process.env,
};
