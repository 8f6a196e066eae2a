import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { MirrorPolicy } from '../config/model.js';
import type { HeaderMap } from '../http/header-map.js';
import type { HttpUpstream } from '../http/upstream-port.js';
import type { PickContext } from '../upstream/upstream-http-types.js';
import type { ReplayableBody } from './replayable-body.js';
import { stripPort } from './virtual-host-selector.js';

/** Envoy's shadow authority: `-shadow` appended to the host, before any port. */
export function shadowAuthority(authority: string): string {
  const host = stripPort(authority);
  return `${host}-shadow${authority.slice(host.length)}`;
}

/** One request to copy to mirror clusters. */
export interface MirrorRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly headers: HeaderMap;
  readonly timeoutMs: number;
}

/**
 * Fire-and-forget copies of a request to the mirror clusters, each with its own probability.
 * The copy leaves once the request body is complete, and only if the body fit the replay
 * buffer; mirror responses are read and dropped, their failures only logged.
 */
export function startMirrors(
  mirrors: readonly MirrorPolicy[],
  req: MirrorRequest,
  body: ReplayableBody | undefined,
  upstream: HttpUpstream,
  clusterExists: (name: string) => boolean,
  pick: PickContext,
  log: Logger,
): void {
  if (mirrors.length === 0) return;
  const chosen = mirrors.filter((m) => m.fraction >= 1 || Math.random() < m.fraction);
  if (chosen.length === 0) return;
  const send = (): void => {
    const whole = body?.whole;
    if (body && whole === undefined) {
      log.debug('request body too large or incomplete to mirror');
      return;
    }
    for (const m of chosen) {
      if (!clusterExists(m.cluster)) {
        log.debug({ cluster: m.cluster }, 'mirror cluster not found');
        continue;
      }
      const headers: HeaderMap = { ...req.headers, host: shadowAuthority(req.authority) };
      upstream
        .request(
          m.cluster,
          { method: req.method, path: req.path, headers, body: whole ? Readable.from([whole]) : null, timeoutMs: req.timeoutMs || undefined },
          pick,
        )
        .then(
          (res) => {
            res.body.on('error', () => undefined);
            res.body.resume();
          },
          (err: unknown) => log.debug({ err, cluster: m.cluster }, 'mirror request failed'),
        );
    }
  };
  if (body) void body.complete.then(send);
  else send();
}
