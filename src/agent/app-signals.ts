import type { ChildProcess } from 'node:child_process';

/** Signals `plexus run` passes on to the app. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Signal handling of a running workload: forwarded to the app once it runs, remembered before. */
export interface AppSignals {
  /** The signal that arrived before the app started, if any (the run should then stop). */
  readonly interrupted: NodeJS.Signals | undefined;
  dispose(): void;
}

/**
 * Installs the handlers both workload modes share: a signal goes to the running app (whose
 * exit then ends the run); before the app starts it is recorded so startup can stop.
 */
export function forwardSignalsToApp(app: () => ChildProcess | undefined): AppSignals {
  const state: { interrupted: NodeJS.Signals | undefined } = { interrupted: undefined };
  const onSignal = (sig: NodeJS.Signals): void => {
    const child = app();
    if (child && child.exitCode === null) child.kill(sig);
    else state.interrupted = sig;
  };
  for (const s of FORWARDED) process.on(s, onSignal);
  return {
    get interrupted() {
      return state.interrupted;
    },
    dispose: () => {
      for (const s of FORWARDED) process.off(s, onSignal);
    },
  };
}
