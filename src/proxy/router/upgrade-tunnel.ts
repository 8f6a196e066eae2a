import type { RouteAction } from '../config/model.js';
import { localReplyForError, localReplyForFlag, upgradeRefusedReply, type LocalReply } from '../errors/local-reply.js';
import type { FilterDeps, HttpFilterContext } from '../filters/filter-api.js';
import type { HeaderMap } from '../http/header-map.js';
import type { UpstreamTunnel } from '../http/upstream-port.js';
import { isUpstreamError } from '../upstream/upstream-error.js';
import type { PickContext } from '../upstream/upstream-http-types.js';

/** The request line and headers to replay on the upstream connection. */
export interface TunnelRequest {
  readonly path: string;
  readonly authority: string;
  readonly headers: HeaderMap;
}

// Header values must not smuggle a second header or request onto the raw connection.
function safe(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}

/**
 * Proxies an HTTP/1.1 upgrade (WebSocket): checks the upgrade type is enabled on the
 * connection manager or the route, opens a raw connection to a host of the cluster, replays
 * the request head, and pipes bytes both ways (with `pipe`'s backpressure) until either side
 * closes. The upstream's 101 (or refusal) flows back untouched.
 */
export async function tunnelUpgrade(
  ctx: HttpFilterContext,
  action: RouteAction,
  cluster: string,
  req: TunnelRequest,
  deps: FilterDeps,
  pick: PickContext,
  reply: (r: LocalReply) => void,
): Promise<void> {
  const { exchange, record } = ctx;
  const upgrade = exchange.upgrade!;
  const type = upgrade.type.toLowerCase();
  if (!ctx.hcm.upgradeTypes.includes(type) && !(action.upgradeTypes ?? []).includes(type)) return reply(upgradeRefusedReply());
  if (!deps.upstream.connect) return reply(localReplyForFlag('UF'));
  let tunnel: UpstreamTunnel;
  try {
    tunnel = await deps.upstream.connect(cluster, pick);
  } catch (err) {
    if (isUpstreamError(err) && err.host !== undefined) record.upstreamHost = err.host.key;
    return reply(localReplyForError(err));
  }
  if (exchange.done || upgrade.socket.destroyed) {
    tunnel.socket.destroy();
    return;
  }
  record.upstreamHost = tunnel.endpoint.key;
  record.attemptCount = 1;
  const finish = exchange.takeOver();
  const lines = [`${record.method} ${req.path} HTTP/1.1`, `host: ${req.authority}`];
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'host') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (safe(name) && safe(v)) lines.push(`${name}: ${v}`);
  }
  const up = tunnel.socket;
  const down = upgrade.socket;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    up.destroy();
    down.destroy();
    finish();
  };
  up.on('error', (err) => {
    ctx.log.debug({ err }, 'upgrade: upstream error');
    if (record.status === 0) record.flags.add('UC');
    close();
  });
  down.on('error', (err) => {
    ctx.log.debug({ err }, 'upgrade: downstream error');
    close();
  });
  up.on('close', close);
  down.on('close', close);
  up.once('data', (chunk: Buffer) => {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(chunk.subarray(0, 16).toString('latin1'));
    if (m) {
      record.status = Number(m[1]);
      record.responseCodeDetails = 'via_upstream';
    }
  });
  up.on('data', (chunk: Buffer) => (record.bytesSent += chunk.length));
  down.on('data', (chunk: Buffer) => (record.bytesReceived += chunk.length));
  up.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (upgrade.head.length > 0) up.write(upgrade.head);
  up.pipe(down);
  down.pipe(up);
  down.resume();
}
