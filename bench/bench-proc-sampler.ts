/** CPU and memory of benchmark processes, read from /proc like `top` does. */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux Plexus targets. */
const CLK_TCK = 100;

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size in MB (VmRSS). */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** What one process used over a window. */
export interface ProcessUsage {
  readonly cpu_vcpu: number;
  readonly rss_mb: number;
  readonly rss_median_mb: number;
}

/**
 * Samples processes over a window: CPU as (utime+stime delta) / wall time = vCPUs used, RSS
 * every 250 ms (peak and median reported).
 */
export class ProcSampler {
  private readonly start = new Map<number, number>();
  private readonly rss = new Map<number, number[]>();
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: readonly number[]) {}

  begin(): void {
    this.startedAt = performance.now();
    for (const pid of this.pids) {
      this.start.set(pid, cpuSeconds(pid));
      this.rss.set(pid, [rssMb(pid)]);
    }
    this.timer = setInterval(() => {
      for (const pid of this.pids) {
        try {
          this.rss.get(pid)!.push(rssMb(pid));
        } catch {
          // The process went away; the report shows what was seen.
        }
      }
    }, 250);
  }

  end(): Map<number, ProcessUsage> {
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const out = new Map<number, ProcessUsage>();
    for (const pid of this.pids) {
      const used = cpuSeconds(pid) - (this.start.get(pid) ?? 0);
      const samples = [...(this.rss.get(pid) ?? [])].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      out.set(pid, {
        cpu_vcpu: round(used / seconds, 3),
        rss_mb: round(samples[samples.length - 1] ?? NaN, 1),
        rss_median_mb: round(samples[Math.floor(samples.length / 2)] ?? NaN, 1),
      });
    }
    return out;
  }
}

/** Rounds to `digits` decimals. */
export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
