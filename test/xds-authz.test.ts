// AuthorizationPolicy generation end to end on the control-plane side: what the controller
// sends encodes with Envoy's protos, the proxy's xds translation accepts it, and the CLI
// (proxy-config --offline, x authz check) shows it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { pino } from 'pino';
import { buildConfigDump } from '../src/xds/config-dump.js';
import { gatewayListenerObjects } from '../src/xds/generators/gateway-listeners.js';
import { virtualInboundListener } from '../src/xds/generators/listener-inbound.js';
import { selectGenerator } from '../src/xds/generators/select.js';
import { sidecarScope } from '../src/xds/generators/sidecar-scope.js';
import { classifyChange } from '../src/xds/push-request.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { plexus } from './support/controller-process.js';
import { bookinfoPush, ingressProxy, productpageProxy } from './xds-sidecar-fixture.js';
import { protoRoundTrip } from './xds-sidecar-proto-check.js';

const SAMPLES = fileURLToPath(new URL('../../samples/bookinfo/', import.meta.url));

/** Every kind of filter the authz generators emit, on productpage and the ingress gateway. */
const POLICIES = `
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    trustDomainAliases: [old.example]
    extensionProviders:
    - name: ext-http
      envoyExtAuthzHttp: {service: details.default.svc.cluster.local, port: 9080, pathPrefix: /check, includeRequestHeadersInCheck: [x-ext-authz], headersToUpstreamOnAllow: [x-user], includeRequestBodyInCheck: {maxRequestBytes: 4096}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: custom, namespace: default}
spec: {selector: {matchLabels: {app: productpage}}, action: CUSTOM, provider: {name: ext-http}, rules: [{to: [{operation: {paths: [/admin*]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: audit, namespace: default}
spec: {action: AUDIT, rules: [{to: [{operation: {methods: [DELETE]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny, namespace: default}
spec:
  action: DENY
  rules:
  - from: [{source: {notNamespaces: [default], ipBlocks: [203.0.113.0/24]}}]
  - to: [{operation: {notPaths: [/public/*], ports: ["3306"]}}]
    when: [{key: "request.auth.claims[groups]", values: [banned]}, {key: connection.sni, values: ["*.evil"]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow, namespace: default}
spec:
  rules:
  - from: [{source: {principals: [cluster.local/ns/istio-system/sa/ingress], requestPrincipals: ["https://issuer.example/*"]}}]
    to: [{operation: {hosts: ["*.example.com"], methods: [GET], paths: ["/api/{*}/items"]}}]
    when: [{key: "request.headers[x-version]", values: [v1]}, {key: source.ip, values: [198.18.0.0/16]}, {key: destination.port, values: ["9080"]}]
  - from: [{source: {namespaces: [default]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: dry, namespace: default, annotations: {istio.io/dry-run: "true"}}
spec: {rules: [{from: [{source: {remoteIpBlocks: [198.51.100.0/24]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: waypoint-only, namespace: default}
spec: {targetRefs: [{kind: Service, group: "", name: productpage}], action: DENY, rules: [{}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ingress, namespace: istio-system}
spec: {selector: {matchLabels: {istio: ingressgateway}}, action: DENY, rules: [{from: [{source: {remoteIpBlocks: [192.0.2.0/24]}}]}]}
`;

describe('AuthorizationPolicy generation, controller to proxy', () => {
  const push = bookinfoPush(POLICIES);
  const sidecar = sidecarScope(push, productpageProxy());
  const gateway = sidecarScope(push, ingressProxy());

  it('encodes with the real Envoy protos, every field kept (rbac, network rbac, ext_authz)', () => {
    const nested = new Set<string>();
    for (const l of [virtualInboundListener(sidecar), ...gatewayListenerObjects(gateway)]) for (const t of protoRoundTrip('envoy.config.listener.v3.Listener', l).nested) nested.add(t);
    for (const t of ['envoy.extensions.filters.http.rbac.v3.RBAC', 'envoy.extensions.filters.network.rbac.v3.RBAC', 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz']) {
      assert.ok(nested.has(t), `expected a nested ${t}`);
    }
  });

  it('the proxy translation accepts every listener it is sent (sidecar and gateway)', () => {
    const noFiles = (path: string): string => {
      throw new Error(`no file ${path}`);
    };
    let count = 0;
    for (const proxy of [productpageProxy(), ingressProxy()]) {
      // Listeners that carry authorization filters (the fixture's file-based gateway TLS needs files).
      const resources = selectGenerator(TYPE_URL.listener, proxy)!(push, proxy, undefined).filter((r) => {
        const bytes = Buffer.from((r.resource as { value: Uint8Array }).value).toString('latin1');
        return bytes.includes('rbac') && !bytes.includes('/etc/certs/');
      });
      for (const [i, r] of resources.entries()) {
        assert.doesNotThrow(() => translateResource(XDS_TYPE.listener, r.resource as never, 'v', i, noFiles, r.name), r.name);
        count++;
      }
    }
    assert.ok(count >= 3, `only ${count} listeners`);
  });

  it('the proxy translation accepts a gRPC ext_authz provider and a fail-closed TCP CUSTOM', () => {
    const grpcPush = bookinfoPush(`apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    extensionProviders:
    - name: ext-grpc
      envoyExtAuthzGrpc: {service: ratings.default.svc.cluster.local, port: 9090, timeout: 1s, failOpen: true, statusOnError: "500", includeRequestBodyInCheck: {maxRequestBytes: 100, packAsBytes: true}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: custom, namespace: default}
spec: {action: CUSTOM, provider: {name: ext-grpc}, rules: [{}]}
`);
    const proxy = productpageProxy();
    const r = selectGenerator(TYPE_URL.listener, proxy)!(grpcPush, proxy, ['virtualInbound'])[0]!;
    const l = translateResource(XDS_TYPE.listener, r.resource as never, 'v', 0, () => '', r.name).value;
    const passthrough = l.filterChains.find((c) => c.match.destinationPort === undefined && c.match.transportProtocol === undefined)!;
    assert.deepEqual(passthrough.filters.map((f) => f.kind), ['network_rbac', 'tcp_proxy']);
    const hcm = l.filterChains.flatMap((c) => c.filters).find((f) => f.kind === 'http_connection_manager') as unknown as { httpFilters: Array<{ name: string }> };
    assert.deepEqual(hcm.httpFilters.slice(0, 2).map((f) => f.name), ['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz']);
  });
});

describe('a policy change reaches the proxy', () => {
  it('is a full push, and the regenerated listener carries the new rules', () => {
    const policy = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'default' }, spec: {} };
    assert.equal(classifyChange(undefined, policy).full, true);
    assert.equal(classifyChange(policy, { ...policy, spec: { action: 'DENY', rules: [{}] } }).full, true);
    const proxy = productpageProxy();
    const lds = (yaml: string): string => {
      const push = bookinfoPush(yaml);
      const r = selectGenerator(TYPE_URL.listener, proxy)!(push, proxy, ['virtualInbound'])[0]!;
      return Buffer.from((r.resource as { value: Uint8Array }).value).toString('latin1');
    };
    const none = lds('');
    const allowNothing = lds('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: default}\nspec: {}\n');
    assert.ok(!none.includes('envoy.filters.http.rbac') && allowNothing.includes('ns[default]-policy[p]-rule[0]'));
  });
});

describe('CLI: proxy-config --offline and x authz check show the authorization filters', { timeout: 60_000 }, () => {
  let dir = '';
  let files: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plexus-authz-'));
    writeFileSync(join(dir, 'policies.yaml'), POLICIES);
    files = ['-f', `${SAMPLES}platform`, '-f', `${SAMPLES}offline`, '-f', `${SAMPLES}networking/bookinfo-gateway.yaml`, '-f', dir];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('proxy-config listener -o json: the inbound HCMs hold ext_authz and the rbac filters in order', async () => {
    const run = await plexus(['proxy-config', 'listener', '--offline', ...files, '--workload', 'default/productpage-v1', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const listeners = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    const inbound = listeners.find((l) => l.name === 'virtualInbound')!;
    const chains = inbound.filter_chains as Array<{ filters: Array<{ name: string; typed_config: Record<string, unknown> }> }>;
    const hcms = chains.flatMap((c) => c.filters).filter((f) => f.name === 'envoy.filters.network.http_connection_manager');
    assert.ok(hcms.length >= 2);
    for (const h of hcms) {
      const names = (h.typed_config.http_filters as Array<{ name: string }>).map((f) => f.name);
      assert.deepEqual(names.slice(0, 5), ['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac']);
      assert.equal(names.at(-1), 'envoy.filters.http.router');
    }
    // Warnings go to stderr, so the JSON above stayed parseable.
    assert.match(run.stderr, /AuthorizationPolicy default\/waypoint-only not applied: targetRef to a Service/);
    const ext = (hcms[0]!.typed_config.http_filters as Array<{ typed_config: Record<string, unknown> }>)[1]!.typed_config;
    assert.equal(((ext.http_service as Record<string, unknown>).server_uri as Record<string, unknown>).cluster, 'outbound|9080||details.default.svc.cluster.local');
  });

  it('x authz check --offline: the table of policies and rule counts', async () => {
    const run = await plexus(['x', 'authz', 'check', '--offline', ...files, '--workload', 'default/productpage-v1']);
    assert.equal(run.code, 0, run.stderr);
    const rows = run.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows, [
      ['ACTION', 'AuthorizationPolicy', 'RULES'],
      ['CUSTOM', 'custom.default', '1'],
      ['AUDIT', 'audit.default', '1'],
      ['DENY', 'deny.default', '2'],
      ['ALLOW', 'allow.default', '2'],
      ['ALLOW', '(dry-run)', 'dry.default', '1'],
    ]);
    const json = await plexus(['x', 'authz', 'check', '--offline', ...files, '--workload', 'default/productpage-v1', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as unknown[]).length, 5);
    const gw = await plexus(['x', 'authz', 'check', '--offline', ...files, '--workload', 'istio-system/ingressgateway', '--type', 'router']);
    assert.equal(gw.code, 0, gw.stderr);
    assert.deepEqual(gw.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)), [['DENY', 'ingress.istio-system', '1']]);
  });

  it('x authz check --admin: reads a live proxy config dump over HTTP', async () => {
    const dump = buildConfigDump(pino({ level: 'silent' }), bookinfoPush(POLICIES), productpageProxy());
    let served = 0;
    const server: Server = createServer((req, res) => {
      served++;
      res.writeHead(req.url?.startsWith('/config_dump') ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(dump));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const run = await plexus(['x', 'authz', 'check', '--admin', `http://127.0.0.1:${port}`]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^ACTION\s+AuthorizationPolicy\s+RULES\n/);
      assert.match(run.stdout, /\nDENY\s+deny\.default\s+2\n/);
      assert.equal(served, 1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('x authz check refuses what it cannot do', async () => {
    const run = await plexus(['x', 'authz', 'nope']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /use check/);
  });
});
