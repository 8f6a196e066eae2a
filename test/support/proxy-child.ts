import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.js';

// The CLI compiled beside the tests (dist/ or any other outDir), run without bin/plexus.js.
const MAIN = new URL('../../src/cli/main.js', import.meta.url).href;
const ENTRY = `const { main, processIO } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1), processIO);`;

/** One JSON log line of the proxy (or `{msg}` for a line that is not JSON). */
export type LogLine = Record<string, unknown>;

/** `plexus proxy ARGS` as a child process, with its (and its workers') JSON log lines from stderr. */
export class ProxyChild {
  readonly logs: LogLine[] = [];
  readonly child: ChildProcess;
  private buf = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--input-type=module', '-e', ENTRY, 'proxy', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PLEXUS_HOME: '' } });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ msg: line });
        }
      }
    });
  }

  /** How many log lines carry exactly this message. */
  count(msg: string): number {
    return this.logs.filter((l) => l.msg === msg).length;
  }

  /** The first log line matching `pred`, waiting up to `ms`; fails early when the proxy exits. */
  async line(pred: (l: LogLine) => boolean, what: string, ms = 20_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitFor(() => (found = this.logs.find(pred)) !== undefined || this.child.exitCode !== null, ms, what, 20)
      .catch((err: Error) => { throw new Error(`${err.message}; log:\n${this.dump()}`); });
    if (!found) throw new Error(`proxy exited (${this.child.exitCode}) before ${what}; log:\n${this.dump()}`);
    return found;
  }

  /** The last 20,000 characters of the log, for assertion messages. */
  dump(): string {
    return this.logs.map((l) => JSON.stringify(l)).join('\n').slice(-20_000);
  }

  /** SIGTERM, then SIGKILL after 8 s; resolves once it exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
}
