import { fork, type ChildProcess } from 'node:child_process';
import type { CallBatch, CallResult } from './xds-client-protocol.js';

/** Handle on a proxyless gRPC client running in a child process. */
export class XdsClientProcess {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, (r: CallResult[]) => void>();

  constructor(target: string, bootstrap: unknown) {
    this.child = fork(new URL('./xds-client-child.js', import.meta.url), [], {
      env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap), PLEXUS_TEST_TARGET: target },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; results: CallResult[] }) => {
      this.pending.get(m.id)?.(m.results);
      this.pending.delete(m.id);
    });
  }

  /** Makes `n` calls (50 at a time) and resolves to their outcomes. */
  calls(n: number, headers: Record<string, string> = {}, concurrency = 50): Promise<CallResult[]> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${n} calls did not finish in 30 s`)), 30_000);
      this.pending.set(id, (r) => { clearTimeout(timer); resolve(r); });
      const batch: CallBatch = { id, n, headers, concurrency };
      this.child.send(batch);
    });
  }

  async call(headers: Record<string, string> = {}): Promise<CallResult> {
    return (await this.calls(1, headers))[0]!;
  }

  /** Kills the child and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
