/** Where a command reads and writes; tests pass their own to capture output. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of standard input (for `-f -`). */
  stdin(): string;
  env: NodeJS.ProcessEnv;
}

/** One `plexus` subcommand; each lives in its own file under src/cli/ and is listed in main.ts. */
export interface Command {
  name: string;
  summary: string;
  /** Usage text printed by `plexus help NAME` and on a usage error. */
  usage: string;
  /** Runs the command; returns the process exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}
