// Peak resident memory of a child process, from /proc/<pid>/status (VmHWM), with a reset so a
// test measures the peak of its own attack, not of the child's start-up.
import { readFileSync, writeFileSync } from 'node:fs';

/** VmHWM of `pid`, in bytes. */
export function peakRssBytes(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Current RSS (VmRSS) of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * Resets the peak to the current RSS (`5` into clear_refs, Linux ≥ 4.0; needs the process's
 * owner or root) and returns the RSS it starts from.
 */
export function resetPeakRss(pid: number): number {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  return rssBytes(pid);
}
