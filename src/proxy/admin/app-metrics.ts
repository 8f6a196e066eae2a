import { request } from 'node:http';

/** Where the application exposes Prometheus metrics (Istio's `prometheus.io/port` and `/path`). */
export interface AppMetricsTarget {
  readonly url: string;
  /** Default 2 s: a slow app must not stall the whole merged scrape for long. */
  readonly timeoutMs?: number;
}

/**
 * Fetches the application's metrics text for the merged endpoint. Resolves undefined when the
 * app is down or answers anything but 200; an OpenMetrics `# EOF` is dropped because the
 * merged document goes on after it.
 */
export function fetchAppMetrics(target: AppMetricsTarget): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: string | undefined): void => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      done(undefined);
      return;
    }
    const req = request(url, { timeout: target.timeoutMs ?? 2_000, headers: { accept: 'text/plain; version=0.0.4' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        done(undefined);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8').replace(/^# EOF\s*$/m, '');
        done(text.endsWith('\n') || text === '' ? text : `${text}\n`);
      });
      res.on('error', () => done(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(undefined));
    req.end();
  });
}
