import { pino, type Logger } from 'pino';

/** The logger runtime modules use when the caller passes none: warnings and up, to stderr. */
export function defaultRuntimeLogger(name: string): Logger {
  return pino({ name, level: process.env.PLEXUS_LOG_LEVEL ?? 'warn' }, pino.destination(2));
}
