import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Resource } from '../../api/resource.js';
import { MemoryConfigStore } from '../memory-store.js';
import { startAdminServer, type AdminServer } from './admin-server.js';
import { ensureAdminToken } from './admin-token.js';
import type { ApplyResponse, ErrorBody, ResourceList } from './protocol.js';

function vs(name: string, namespace?: string, hosts: string[] = [name]): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: namespace ? { name, namespace } : { name },
    spec: { hosts, http: [{ route: [{ destination: { host: hosts[0] } }] }] },
  };
}

describe('admin API', () => {
  let home: string;
  let token: string;
  let server: AdminServer;
  const store = new MemoryConfigStore({ logger: pino({ level: 'silent' }) });
  const call = async (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${token}`): Promise<{ status: number; json: unknown }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth !== null) headers.authorization = auth;
    const res = await fetch(`http://${server.host}:${server.port}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  };

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'plexus-admin-'));
    token = await ensureAdminToken(home);
    server = await startAdminServer({ store, token, port: 0, logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await server.close();
    await store.close();
    await rm(home, { recursive: true, force: true });
  });

  it('keeps a 0600 token that survives restarts', async () => {
    assert.equal((await stat(join(home, 'admin-token'))).mode & 0o777, 0o600);
    assert.equal(await ensureAdminToken(home), token);
    assert.ok(token.length >= 40);
  });

  it('listens on loopback and answers /healthz without a token', async () => {
    assert.equal(server.host, '127.0.0.1');
    assert.deepEqual(await call('GET', '/healthz', undefined, null), { status: 200, json: { status: 'ok' } });
  });

  it('refuses a missing or wrong token with 401', async () => {
    const missing = await call('GET', '/v1/resources/vs', undefined, null);
    assert.equal(missing.status, 401);
    assert.equal((missing.json as ErrorBody).error.code, 'PLEXUS_ERR_UNAUTHENTICATED');
    assert.equal((await call('GET', '/v1/resources/vs', undefined, 'Bearer nope')).status, 401);
  });

  it('applies, reports unchanged, and honours dry-run', async () => {
    const dry = await call('POST', '/v1/apply?dryRun=true', { items: [{ resource: vs('dry') }] });
    assert.equal(dry.status, 200);
    assert.deepEqual((dry.json as ApplyResponse).results.map((r) => r.outcome), ['created']);
    assert.equal((dry.json as ApplyResponse).applied, false);
    assert.equal(await store.get({ group: 'networking.istio.io', kind: 'VirtualService', name: 'dry' }), undefined);

    const first = await call('POST', '/v1/apply', { items: [{ resource: vs('reviews') }, { resource: vs('ratings', 'prod') }] });
    assert.equal(first.status, 200);
    assert.deepEqual((first.json as ApplyResponse).results.map((r) => r.outcome), ['created', 'created']);
    const again = await call('POST', '/v1/apply', { items: [{ resource: vs('reviews') }] });
    assert.deepEqual((again.json as ApplyResponse).results.map((r) => r.outcome), ['unchanged']);
  });

  it('answers 400 with per-item diagnostics and applies nothing from a bad batch', async () => {
    const bad = await call('POST', '/v1/apply', { items: [{ resource: vs('fresh') }, { resource: { ...vs('broken'), bogus: 1 } }] });
    assert.equal(bad.status, 400);
    const body = bad.json as ErrorBody;
    assert.equal(body.error.code, 'PLEXUS_ERR_INVALID_CONFIG');
    assert.equal(body.results?.[1].outcome, 'invalid');
    assert.ok(body.results?.[1].outcome === 'invalid' && body.results[1].diagnostics.some((d) => d.path === 'bogus'));
    assert.equal(await store.get({ group: 'networking.istio.io', kind: 'VirtualService', name: 'fresh' }), undefined);
    assert.equal((await call('POST', '/v1/apply', 'not json')).status, 400);
  });

  it('gets one object, lists by namespace or all, and answers 404', async () => {
    const one = await call('GET', '/v1/resources/virtualservices.networking.istio.io/reviews');
    assert.equal(one.status, 200);
    assert.equal((one.json as Resource).metadata.namespace, 'default');
    const all = await call('GET', '/v1/resources/vs');
    assert.deepEqual((all.json as ResourceList).items.map((r) => `${r.metadata.namespace}/${r.metadata.name}`), ['default/reviews', 'prod/ratings']);
    const prod = await call('GET', '/v1/resources/VirtualService?namespace=prod');
    assert.deepEqual((prod.json as ResourceList).items.map((r) => r.metadata.name), ['ratings']);
    const missing = await call('GET', '/v1/resources/vs/nope');
    assert.equal(missing.status, 404);
    assert.equal((missing.json as ErrorBody).error.code, 'PLEXUS_ERR_NOT_FOUND');
    assert.match((missing.json as ErrorBody).error.message, /virtualservices\.networking\.istio\.io "nope" not found/);
    const unknownKind = await call('GET', '/v1/resources/widgets');
    assert.equal((unknownKind.json as ErrorBody).error.code, 'PLEXUS_ERR_UNKNOWN_KIND');
  });

  it('answers 409 on a stale expectedVersion, for apply and delete', async () => {
    const current = (await call('GET', '/v1/resources/vs/reviews')).json as Resource;
    const rv = String(current.metadata.resourceVersion);
    const ok = await call('POST', '/v1/apply', { items: [{ resource: vs('reviews', undefined, ['v2']), expectedVersion: rv }] });
    assert.equal(ok.status, 200);
    const stale = await call('POST', '/v1/apply', { items: [{ resource: vs('reviews', undefined, ['v3']), expectedVersion: rv }] });
    assert.equal(stale.status, 409);
    assert.equal((stale.json as ErrorBody).error.code, 'PLEXUS_ERR_CONFLICT');
    const staleDelete = await call('DELETE', `/v1/resources/vs/reviews?expectedVersion=${rv}`);
    assert.equal(staleDelete.status, 409);
  });

  it('deletes, then answers 404', async () => {
    const del = await call('DELETE', '/v1/resources/vs/ratings?namespace=prod');
    assert.equal(del.status, 200);
    assert.equal((await call('DELETE', '/v1/resources/vs/ratings?namespace=prod')).status, 404);
    assert.equal((await call('PUT', '/v1/resources/vs/ratings')).status, 405);
  });
});
