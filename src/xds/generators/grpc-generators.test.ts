import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/resource.js';
import { parseDuration } from '../duration.js';
import { unpackAny, type ProtoObject } from '../protos.js';
import { parseNode } from '../proxy.js';
import { buildPushContext } from '../push-context.js';
import { jsonToStruct } from '../struct.js';
import { grpcClusters } from './grpc-clusters.js';
import { grpcEndpoints } from './grpc-endpoints.js';
import { grpcListeners } from './grpc-listeners.js';
import { grpcRoutes } from './grpc-routes.js';

const NET = 'networking.istio.io/v1';
const HOST = 'greeter.default.svc.cluster.local';

const resources: Resource[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'greeter', namespace: 'default' }, spec: { selector: { app: 'greeter' }, ports: [{ name: 'grpc', port: 7070 }, { name: 'grpc-alt', port: 7071 }] } },
  { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'a', namespace: 'default' }, spec: { address: '198.18.0.1', labels: { app: 'greeter', version: 'v1' }, locality: 'r1/z1', weight: 2 } },
  { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'b', namespace: 'default' }, spec: { address: '198.18.0.2', labels: { app: 'greeter', version: 'v1' }, locality: 'r1/z2' } },
  { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'c', namespace: 'default' }, spec: { address: '198.18.0.3', labels: { app: 'greeter', version: 'v2' }, locality: 'r1/z1', weight: 5 } },
  { apiVersion: NET, kind: 'DestinationRule', metadata: { name: 'greeter', namespace: 'default' }, spec: { host: 'greeter', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'X-User' } } }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }, { name: 'v2', labels: { version: 'v2' } }] } },
  { apiVersion: NET, kind: 'VirtualService', metadata: { name: 'greeter', namespace: 'default' }, spec: { hosts: ['greeter'], http: [
    { name: 'canary', match: [{ uri: { prefix: '/plexus.test.Echo/' }, headers: { 'X-Canary': { exact: 'yes' }, 'x-any': { prefix: '' } } }, { uri: { regex: '/a.*' }, port: 7071 }], route: [{ destination: { host: 'greeter', subset: 'v2', port: { number: 7070 } } }], fault: { delay: { fixedDelay: '50ms', percentage: { value: 12.5 } } }, timeout: '2s', retries: { attempts: 0 } },
    { match: [{ uri: { exact: '/x.Y/Z' }, withoutHeaders: { 'x-skip': { regex: 'y.*' } } }], route: [{ destination: { host: 'greeter', subset: 'v1' }, weight: 70 }, { destination: { host: 'greeter', subset: 'v2' }, weight: 30 }], retries: { attempts: 3, perTryTimeout: '100ms', retryOn: 'unavailable' } },
  ] } },
];
const push = buildPushContext({ resources });
const proxy = parseNode({ id: 'sidecar~198.18.9.9~client.default~default.svc.cluster.local', metadata: jsonToStruct({ GENERATOR: 'grpc', NAMESPACE: 'default' }) });

function decode(list: Array<{ name: string; resource: { type_url: string; value: Uint8Array } }>): Map<string, ProtoObject> {
  return new Map(list.map((r) => [r.name, unpackAny(r.resource)]));
}

describe('proxyless gRPC generators', () => {
  it('LDS: api_listeners named as requested, short names expanded, RDS by FQDN', () => {
    const lds = decode(grpcListeners(push, proxy, ['greeter:7070', `${HOST}:7071`, 'greeter.default', 'nope:1']));
    assert.deepEqual([...lds.keys()], ['greeter:7070', `${HOST}:7071`, 'greeter.default:7070', 'greeter.default:7071']);
    const hcm = unpackAny((lds.get('greeter:7070')!.api_listener as { api_listener: { type_url: string; value: Uint8Array } }).api_listener);
    assert.equal((hcm.rds as ProtoObject).route_config_name, `${HOST}:7070`);
    assert.deepEqual((hcm.http_filters as ProtoObject[]).map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
    assert.deepEqual([...decode(grpcListeners(push, proxy, undefined)).keys()], [`${HOST}:7070`, `${HOST}:7071`]);
  });

  it('RDS: matches, weights, per-route fault, timeout and retries from the VirtualService', () => {
    const rds = decode(grpcRoutes(push, proxy, [`${HOST}:7070`]));
    const vh = (rds.get(`${HOST}:7070`)!.virtual_hosts as ProtoObject[])[0]!;
    assert.ok((vh.domains as string[]).includes('greeter:7070') && (vh.domains as string[]).includes(`${HOST}:7070`));
    const routes = vh.routes as ProtoObject[];
    // The regex match is for port 7071 only, so 7070 gets two routes.
    assert.equal(routes.length, 2);
    const [canary, split] = routes as [ProtoObject, ProtoObject];
    const m = canary.match as ProtoObject;
    assert.equal(m.prefix, '/plexus.test.Echo/');
    assert.deepEqual((m.headers as ProtoObject[]).map((h) => [h.name, h.header_match_specifier]), [['x-canary', 'string_match'], ['x-any', 'present_match']]);
    const action = canary.route as ProtoObject;
    assert.equal(action.cluster, `outbound|7070|v2|${HOST}`);
    assert.deepEqual(action.timeout, { seconds: '2', nanos: 0 });
    assert.equal(action.retry_policy, null);
    assert.equal(((action.hash_policy as ProtoObject[])[0]!.header as ProtoObject).header_name, 'x-user');
    const fault = unpackAny((canary.typed_per_filter_config as Record<string, { type_url: string; value: Uint8Array }>)['envoy.filters.http.fault']!);
    const delay = fault.delay as ProtoObject;
    assert.deepEqual(delay.fixed_delay, { seconds: '0', nanos: 50_000_000 });
    assert.deepEqual(delay.percentage, { numerator: 125_000, denominator: 'MILLION' });
    assert.equal((split.match as ProtoObject).path, '/x.Y/Z');
    assert.equal(((split.match as ProtoObject).headers as ProtoObject[])[0]!.invert_match, true);
    const wc = ((split.route as ProtoObject).weighted_clusters as ProtoObject).clusters as ProtoObject[];
    assert.deepEqual(wc.map((c) => [c.name, (c.weight as ProtoObject).value]), [[`outbound|7070|v1|${HOST}`, 70], [`outbound|7070|v2|${HOST}`, 30]]);
    const retry = (split.route as ProtoObject).retry_policy as ProtoObject;
    assert.equal(retry.retry_on, 'unavailable');
    assert.deepEqual(retry.num_retries, { value: 3 });
    const rds71 = decode(grpcRoutes(push, proxy, [`${HOST}:7071`]));
    const r71 = ((rds71.get(`${HOST}:7071`)!.virtual_hosts as ProtoObject[])[0]!.routes as ProtoObject[]);
    assert.equal(r71.length, 3);
    assert.equal(((r71[1]!.match as ProtoObject).safe_regex as ProtoObject).regex, '/a.*');
  });

  it('CDS: default and subset clusters with the merged load balancer', () => {
    const cds = decode(grpcClusters(push, proxy, [`outbound|7070||${HOST}`, `outbound|7070|v1|${HOST}`, `outbound|7070|v9|${HOST}`]));
    assert.deepEqual([...cds.keys()], [`outbound|7070||${HOST}`, `outbound|7070|v1|${HOST}`]);
    assert.equal(cds.get(`outbound|7070||${HOST}`)!.lb_policy, 'RING_HASH');
    assert.equal(cds.get(`outbound|7070|v1|${HOST}`)!.type, 'EDS');
    assert.equal(grpcClusters(push, proxy, undefined).length, 6);
  });

  it('EDS: endpoints grouped by locality with weights, narrowed by subset labels', () => {
    const eds = decode(grpcEndpoints(push, proxy, [`outbound|7070||${HOST}`, `outbound|7070|v1|${HOST}`]));
    const all = eds.get(`outbound|7070||${HOST}`)!.endpoints as ProtoObject[];
    assert.deepEqual(all.map((l) => [(l.locality as ProtoObject).zone, (l.load_balancing_weight as ProtoObject).value, (l.lb_endpoints as ProtoObject[]).length]), [['z1', 7, 2], ['z2', 1, 1]]);
    const v1 = eds.get(`outbound|7070|v1|${HOST}`)!.endpoints as ProtoObject[];
    const addrs = v1.flatMap((l) => (l.lb_endpoints as ProtoObject[]).map((e) => (((e.endpoint as ProtoObject).address as ProtoObject).socket_address as ProtoObject).address));
    assert.deepEqual(addrs, ['198.18.0.1', '198.18.0.2']);
  });

  it('parses Istio durations', () => {
    assert.deepEqual(parseDuration('1.5s'), { seconds: 1, nanos: 500_000_000 });
    assert.deepEqual(parseDuration('1m30s'), { seconds: 90, nanos: 0 });
    assert.deepEqual(parseDuration('250ms'), { seconds: 0, nanos: 250_000_000 });
    assert.equal(parseDuration('soon'), undefined);
  });
});
