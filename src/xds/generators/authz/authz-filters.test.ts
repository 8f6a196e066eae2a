import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../../config/load.js';
import { packedToJson } from '../../proto-json.js';
import type { ProtoObject } from '../../protos.js';
import { parseNode, type ProxyInfo } from '../../proxy.js';
import { buildPushContext, type PushContext } from '../../push-context.js';
import { jsonToStruct } from '../../struct.js';
import { explicitInterceptionMetadata } from '../explicit-interception.js';
import { gatewayListenerObjects } from '../gateway-listeners.js';
import { explicitInboundListeners } from '../sidecar-explicit-listeners.js';
import { virtualInboundListener } from '../listener-inbound.js';
import { sidecarScope } from '../sidecar-scope.js';
import { authzFilters } from './authz-filters.js';

type O = ProtoObject;

const MESH = `
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: foo}
spec: {clusterIP: 198.19.1.1, selector: {app: httpbin}, ports: [{name: http, port: 8000}, {name: tcp, port: 9000}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: httpbin-1, namespace: foo}
spec: {address: 198.18.1.10, labels: {app: httpbin}, serviceAccount: httpbin}
---
apiVersion: v1
kind: Service
metadata: {name: ext-authz, namespace: foo}
spec: {clusterIP: 198.19.1.2, selector: {app: ext-authz}, ports: [{name: http, port: 8000}, {name: grpc, port: 9000}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    trustDomain: cluster.local
    trustDomainAliases: [old.td]
    extensionProviders:
    - name: http-authz
      envoyExtAuthzHttp:
        service: ext-authz.foo.svc.cluster.local
        port: 8000
        timeout: 2s
        pathPrefix: /check
        failOpen: true
        statusOnError: "503"
        includeRequestHeadersInCheck: [x-ext-authz, "x-pre-*"]
        includeAdditionalHeadersInCheck: {x-b: "2", x-a: "1"}
        headersToUpstreamOnAllow: [x-user]
        headersToDownstreamOnDeny: ["*-reason"]
        includeRequestBodyInCheck: {maxRequestBytes: 1024, allowPartialMessage: true}
    - name: grpc-authz
      envoyExtAuthzGrpc:
        service: foo/ext-authz.foo.svc.cluster.local
        port: 9000
`;

function push(policies: string): PushContext {
  const { resources, problems } = loadText(`${MESH}\n---\n${policies}`, 'mesh.yaml');
  assert.deepEqual(problems, []);
  return buildPushContext({ resources: resources.map((r) => r.resource) });
}

function httpbin(labels: Record<string, string> = { app: 'httpbin' }): ProxyInfo {
  return parseNode({
    id: 'sidecar~198.18.1.10~httpbin-1.foo~foo.svc.cluster.local',
    metadata: jsonToStruct({ NAMESPACE: 'foo', LABELS: labels, SERVICE_ACCOUNT: 'httpbin', INSTANCE_IPS: '198.18.1.10' }),
  });
}

const decode = (f: O): O => packedToJson(f.typed_config as { type_url: string; value: Uint8Array });
const filters = (p: PushContext, proxy = httpbin()): ReturnType<typeof authzFilters> => authzFilters(sidecarScope(p, proxy));
const policyNames = (f: O, key = 'rules'): string[] => Object.keys(((decode(f)[key] as O | undefined)?.policies as O | undefined) ?? {});

const ap = (name: string, spec: string, ns = 'foo', annotations = ''): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: ${ns}${annotations ? `, annotations: {${annotations}}` : ''}}
spec: ${spec}
---
`;

describe('authorization filters of a proxy', () => {
  it('no policy: no filter anywhere, the inbound chains keep their default HTTP filters', () => {
    const p = push('');
    const f = filters(p);
    assert.deepEqual([f.http.length, f.tcp.length], [0, 0]);
    const chains = virtualInboundListener(sidecarScope(p, httpbin())).filter_chains as O[];
    for (const c of chains) {
      const first = (c.filters as O[])[0]!;
      assert.notEqual(first.name, 'envoy.filters.network.rbac');
      if (first.name === 'envoy.filters.network.http_connection_manager') {
        assert.deepEqual((decode(first).http_filters as O[]).map((h) => h.name), ['envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
      }
    }
  });

  it('istiod order: CUSTOM (shadow rbac + ext_authz), AUDIT, DENY, ALLOW; names ns[NS]-policy[NAME]-rule[N]', () => {
    const p = push([
      ap('allow', '{rules: [{to: [{operation: {methods: [GET]}}]}, {from: [{source: {namespaces: [bar]}}]}]}'),
      ap('deny', '{action: DENY, rules: [{to: [{operation: {paths: [/admin]}}]}]}'),
      ap('audit', '{action: AUDIT, rules: [{}]}'),
      ap('custom', '{action: CUSTOM, provider: {name: http-authz}, rules: [{to: [{operation: {paths: [/secure*]}}]}]}'),
    ].join(''));
    const f = filters(p);
    assert.deepEqual(f.http.map((h) => h.name), ['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac']);
    const [shadow, , audit, deny, allow] = f.http.map(decode);
    assert.equal(shadow!.shadow_rules_stat_prefix, 'istio_ext_authz_');
    assert.equal((shadow!.shadow_rules as O).action, 'DENY');
    assert.deepEqual(Object.keys((shadow!.shadow_rules as O).policies as O), ['istio-ext-authz-ns[foo]-policy[custom]-rule[0]']);
    assert.equal(shadow!.rules, undefined);
    assert.equal((audit!.rules as O).action, 'LOG');
    assert.equal((deny!.rules as O).action, 'DENY');
    // As istiod: the prefix follows the (absent) shadow rules' action, ALLOW.
    assert.deepEqual([deny!.shadow_rules, deny!.shadow_rules_stat_prefix, audit!.shadow_rules_stat_prefix], [undefined, 'istio_dry_run_allow_', 'istio_dry_run_allow_']);
    assert.equal((allow!.rules as O).action, 'ALLOW');
    assert.deepEqual(policyNames(f.http[4]!), ['ns[foo]-policy[allow]-rule[0]', 'ns[foo]-policy[allow]-rule[1]']);
    // TCP: the HTTP provider is not used there (as istiod); AUDIT, DENY, ALLOW as network filters.
    assert.deepEqual(f.tcp.map((t) => [t.name, decode(t).stat_prefix, (decode(t).rules as O).action]), [
      ['envoy.filters.network.rbac', 'tcp.', 'LOG'], ['envoy.filters.network.rbac', 'tcp.', 'DENY'], ['envoy.filters.network.rbac', 'tcp.', 'ALLOW'],
    ]);
    // The ALLOW rule on methods is HTTP only: gone on TCP; the namespace rule stays.
    assert.deepEqual(policyNames(f.tcp[2]!), ['ns[foo]-policy[allow]-rule[1]']);
  });

  it('allow-nothing: spec {} and rules [] are ALLOW policies that never match', () => {
    for (const spec of ['{}', '{rules: []}']) {
      const f = filters(push(ap('none', spec)));
      const cfg = decode(f.http[0]!);
      assert.deepEqual(cfg.rules, { action: 'ALLOW', policies: { 'ns[foo]-policy[none]-rule[0]': { permissions: [{ not_rule: { any: true } }], principals: [{ not_id: { any: true } }] } } });
      assert.deepEqual(decode(f.tcp[0]!).rules, cfg.rules);
    }
  });

  it('dry-run policies become shadow rules with istiod prefixes; enforced ones stay rules', () => {
    const f = filters(push([
      ap('dry-allow', '{rules: [{to: [{operation: {ports: ["8000"]}}]}]}', 'foo', '"istio.io/dry-run": "true"'),
      ap('dry-deny', '{action: DENY, rules: [{}]}', 'foo', '"istio.io/dry-run": "true"'),
      ap('real-deny', '{action: DENY, rules: [{to: [{operation: {ports: ["1"]}}]}]}'),
    ].join('')));
    const [deny, allow] = f.http.map(decode);
    assert.equal(deny!.shadow_rules_stat_prefix, 'istio_dry_run_deny_');
    assert.deepEqual(Object.keys((deny!.shadow_rules as O).policies as O), ['ns[foo]-policy[dry-deny]-rule[0]']);
    assert.deepEqual(Object.keys((deny!.rules as O).policies as O), ['ns[foo]-policy[real-deny]-rule[0]']);
    assert.equal(allow!.shadow_rules_stat_prefix, 'istio_dry_run_allow_');
    assert.equal(allow!.rules, undefined, 'a dry-run-only ALLOW filter enforces nothing');
    assert.equal(decode(f.tcp[1]!).shadow_rules_stat_prefix, 'istio_dry_run_allow_');
  });

  it('CUSTOM with an HTTP provider: ext_authz as istiod emits it, gated on the shadow RBAC', () => {
    const f = filters(push(ap('custom', '{action: CUSTOM, provider: {name: http-authz}, rules: [{}]}')));
    const { '@type': type, ...ext } = decode(f.http[1]!);
    assert.equal(type, 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz');
    assert.deepEqual(ext, {
      status_on_error: { code: 'ServiceUnavailable' },
      failure_mode_allow: true,
      transport_api_version: 'V3',
      http_service: {
        server_uri: { uri: 'http://ext-authz.foo.svc.cluster.local', cluster: 'outbound|8000||ext-authz.foo.svc.cluster.local', timeout: '2s' },
        path_prefix: '/check',
        authorization_request: { allowed_headers: { patterns: [{ exact: 'x-ext-authz', ignore_case: true }, { prefix: 'x-pre-', ignore_case: true }] }, headers_to_add: [{ key: 'x-a', value: '1' }, { key: 'x-b', value: '2' }] },
        authorization_response: { allowed_upstream_headers: { patterns: [{ exact: 'x-user', ignore_case: true }] }, allowed_client_headers: { patterns: [{ suffix: '-reason', ignore_case: true }] } },
      },
      with_request_body: { max_request_bytes: 1024, allow_partial_message: true },
      filter_enabled_metadata: { filter: 'envoy.filters.http.rbac', path: [{ key: 'istio_ext_authz_shadow_effective_policy_id' }], value: { string_match: { prefix: 'istio-ext-authz' } } },
    });
    assert.deepEqual(f.tcp, [], 'an HTTP provider is not used on TCP chains');
    assert.deepEqual(f.warnings, []);
  });

  it('CUSTOM with a gRPC provider: envoy_grpc to the cluster with the host as authority; TCP chains fail closed', () => {
    const f = filters(push(ap('custom', '{action: CUSTOM, provider: {name: grpc-authz}, rules: [{to: [{operation: {ports: ["9000"]}}]}]}')));
    const ext = decode(f.http[1]!);
    assert.deepEqual(ext.grpc_service, { envoy_grpc: { cluster_name: 'outbound|9000||ext-authz.foo.svc.cluster.local', authority: 'ext-authz.foo.svc.cluster.local' }, timeout: '600s' });
    assert.equal(ext.http_service, undefined);
    assert.deepEqual(f.tcp.map((t) => Object.keys((decode(t).rules as O).policies as O)), [['istio-ext-authz-ns[foo]-policy[custom]-rule[0]-deny-due-to-bad-CUSTOM-action']]);
    assert.match(f.warnings.join('\n'), /network ext_authz filter is not supported/);
  });

  it('CUSTOM with an unknown provider, or two providers: the CUSTOM rules become DENY rules, with a warning', () => {
    for (const policies of [
      ap('custom', '{action: CUSTOM, provider: {name: nope}, rules: [{to: [{operation: {paths: [/x]}}]}]}'),
      ap('c1', '{action: CUSTOM, provider: {name: http-authz}, rules: [{to: [{operation: {paths: [/x]}}]}]}') + ap('c2', '{action: CUSTOM, provider: {name: grpc-authz}, rules: [{}]}'),
    ]) {
      const f = filters(push(policies));
      assert.equal(f.http.length, 1);
      const cfg = decode(f.http[0]!);
      assert.equal((cfg.rules as O).action, 'DENY');
      assert.ok(Object.keys((cfg.rules as O).policies as O).every((k) => k.endsWith('-deny-due-to-bad-CUSTOM-action')));
      assert.equal(cfg.shadow_rules, undefined);
      assert.match(f.warnings.join('\n'), /not found|must be the same/);
    }
  });

  it('which policies apply: own namespace and root namespace, selector labels, targetRefs only for Gateway API gateways', () => {
    const p = push([
      ap('mesh-wide', '{action: DENY, rules: [{to: [{operation: {paths: [/mesh]}}]}]}', 'istio-system'),
      ap('root-selector', '{selector: {matchLabels: {app: httpbin}}, action: DENY, rules: [{to: [{operation: {paths: [/root]}}]}]}', 'istio-system'),
      ap('other-ns', '{action: DENY, rules: [{}]}', 'bar'),
      ap('wrong-labels', '{selector: {matchLabels: {app: other}}, action: DENY, rules: [{}]}'),
      ap('to-service', '{targetRefs: [{kind: Service, group: "", name: httpbin}], action: DENY, rules: [{}]}'),
    ].join(''));
    const f = filters(p);
    assert.deepEqual(policyNames(f.http[0]!).sort(), ['ns[istio-system]-policy[mesh-wide]-rule[0]', 'ns[istio-system]-policy[root-selector]-rule[0]']);
    assert.match(f.warnings.join('\n'), /foo\/to-service not applied: targetRef to a Service/);
    const gw = parseNode({ id: 'router~198.18.1.50~gw-1.foo~foo.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'foo', LABELS: { 'gateway.networking.k8s.io/gateway-name': 'edge' } }) });
    const p2 = push(ap('gw', '{targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: edge}, rules: [{}]}'));
    assert.deepEqual(policyNames(filters(p2, gw).http[0]!), ['ns[foo]-policy[gw]-rule[0]']);
    assert.equal(filters(p2).http.length, 0, 'a Gateway targetRef does not apply to sidecars');
  });

  it('every inbound chain carries the complete rules: HTTP chains in the HCM, TCP chains before tcp_proxy', () => {
    const p = push(ap('allow', '{rules: [{to: [{operation: {ports: ["8000"], methods: [GET]}}]}, {to: [{operation: {ports: ["9000"]}}]}]}'));
    const chains = (virtualInboundListener(sidecarScope(p, httpbin())).filter_chains as O[]).filter((c) => String(c.name).startsWith('inbound_'));
    assert.equal(chains.length, 6, 'PERMISSIVE: mesh TLS, plaintext and TLS passthrough chains for each of two ports');
    let http = 0;
    let tcp = 0;
    for (const c of chains) {
      const fs = c.filters as O[];
      if (fs[0]!.name === 'envoy.filters.network.http_connection_manager') {
        http++;
        const hf = decode(fs[0]!).http_filters as O[];
        assert.deepEqual(hf.map((h) => h.name), ['envoy.filters.http.rbac', 'envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
        assert.deepEqual(Object.keys(((hf[0]!.typed_config as O).rules as O).policies as O), ['ns[foo]-policy[allow]-rule[0]', 'ns[foo]-policy[allow]-rule[1]']);
      } else {
        tcp++;
        assert.deepEqual(fs.map((x) => x.name), ['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
        assert.deepEqual(Object.keys((decode(fs[0]!).rules as O).policies as O), ['ns[foo]-policy[allow]-rule[1]']);
      }
    }
    assert.deepEqual([http, tcp], [2, 4]);
    // Undeclared ports pass through under the same policies, as istiod's passthrough chains.
    const all = virtualInboundListener(sidecarScope(p, httpbin())).filter_chains as O[];
    const passthrough = all.find((c) => c.name === 'virtualInbound')!;
    assert.deepEqual((passthrough.filters as O[]).map((x) => x.name), ['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
    const blackhole = all.find((c) => c.name === 'virtualInbound-blackhole')!;
    assert.deepEqual((blackhole.filters as O[]).map((x) => x.name), ['envoy.filters.network.tcp_proxy']);
  });

  it('explicit mode: the bound inbound listeners carry the same filters', () => {
    const p = push(`apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: httpbin-x, namespace: foo}
spec: {address: 127.0.0.1, labels: {app: httpbin, mode: explicit}, serviceAccount: httpbin, ports: {http: 41000, tcp: 41001}}
---
${ap('deny', '{action: DENY, rules: [{from: [{source: {notNamespaces: [foo]}}]}]}')}`);
    const proxy = parseNode({
      id: 'sidecar~127.0.0.1~httpbin-x.foo~foo.svc.cluster.local',
      metadata: jsonToStruct({
        NAMESPACE: 'foo', LABELS: { app: 'httpbin', mode: 'explicit' }, SERVICE_ACCOUNT: 'httpbin', INSTANCE_IPS: '127.0.0.1',
        ...explicitInterceptionMetadata({ httpProxyPort: 41100, inbound: new Map([[41000, 41200], [41001, 41201]]) }),
      }),
    });
    const listeners = explicitInboundListeners(sidecarScope(p, proxy));
    assert.deepEqual(listeners.map((l) => l.name), ['127.0.0.1_41000', '127.0.0.1_41001']);
    let counted = 0;
    for (const l of listeners) {
      for (const c of l.filter_chains as O[]) {
        const fs = c.filters as O[];
        if (fs[0]!.name === 'envoy.filters.network.http_connection_manager') assert.equal((decode(fs[0]!).http_filters as O[])[0]!.name, 'envoy.filters.http.rbac');
        else assert.deepEqual(fs.map((f) => f.name), ['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
        counted++;
      }
    }
    assert.equal(counted, 6);
  });

  it('gateways: TLS passthrough and TCP servers get the network RBAC before tcp_proxy', () => {
    const p = push(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 8443, name: tls, protocol: TLS}, hosts: ["*.example.com"], tls: {mode: PASSTHROUGH}}
  - {port: {number: 9000, name: tcp, protocol: TCP}, hosts: ["*"]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: foo}
spec:
  hosts: ["a.example.com"]
  gateways: [istio-system/gw]
  tls: [{match: [{sniHosts: [a.example.com]}], route: [{destination: {host: httpbin.foo.svc.cluster.local, port: {number: 8000}}}]}]
  tcp: [{match: [{port: 9000}], route: [{destination: {host: httpbin.foo.svc.cluster.local, port: {number: 9000}}}]}]
---
${ap('ingress', '{selector: {matchLabels: {istio: ingressgateway}}, rules: [{to: [{operation: {paths: [/x]}}]}, {from: [{source: {ipBlocks: [198.18.0.0/16]}}]}]}', 'istio-system')}`);
    const gw = parseNode({ id: 'router~198.18.1.60~ingress-1.istio-system~istio-system.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } }) });
    const listeners = gatewayListenerObjects(sidecarScope(p, gw));
    assert.deepEqual(listeners.map((l) => l.name).sort(), ['0.0.0.0_8443', '0.0.0.0_9000']);
    for (const l of listeners) {
      const chains = l.filter_chains as O[];
      assert.ok(chains.length > 0);
      for (const c of chains) {
        const fs = c.filters as O[];
        assert.deepEqual(fs.map((f) => f.name), ['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
        // The path rule is HTTP only, so on TCP only the ipBlocks rule allows.
        assert.deepEqual(Object.keys((decode(fs[0]!).rules as O).policies as O), ['ns[istio-system]-policy[ingress]-rule[1]']);
      }
    }
  });

  it('gateways: HTTP servers get the HTTP filters in their HCM', () => {
    const p = push(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]}
---
${ap('ingress', '{selector: {matchLabels: {istio: ingressgateway}}, action: DENY, rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]}', 'istio-system')}`);
    const gw = parseNode({ id: 'router~198.18.1.60~ingress-1.istio-system~istio-system.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } }) });
    const listeners = gatewayListenerObjects(sidecarScope(p, gw));
    assert.equal(listeners.length, 1);
    const hcm = decode(((listeners[0]!.filter_chains as O[])[0]!.filters as O[])[0]!);
    assert.deepEqual((hcm.http_filters as O[]).map((h) => h.name), ['envoy.filters.http.rbac', 'envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
  });
});
