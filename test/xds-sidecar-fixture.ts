import type { Resource } from '../src/api/resource.js';
import { loadText } from '../src/config/load.js';
import { selectGenerator } from '../src/xds/generators/select.js';
import { unpackAny, type ProtoObject } from '../src/xds/protos.js';
import { parseNode, type ProxyInfo } from '../src/xds/proxy.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { buildPushContext, type PushContext } from '../src/xds/push-context.js';
import { jsonToStruct } from '../src/xds/struct.js';

/**
 * A Bookinfo-like mesh for the sidecar and gateway generator tests: Services selecting
 * WorkloadEntries (VMs, as Istio does), DestinationRules, VirtualServices, ServiceEntries
 * and an ingress Gateway. VIPs in 198.19/16, workloads in 198.18/16 (DESIGN.md §6).
 */
export const BOOKINFO_YAML = `
apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {mesh: "on"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: hidden, labels: {mesh: "off"}}
---
apiVersion: v1
kind: Service
metadata: {name: productpage, namespace: default}
spec: {clusterIP: 198.19.0.1, selector: {app: productpage}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: 198.19.0.2, selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec: {clusterIP: 198.19.0.3, selector: {app: ratings}, ports: [{name: http, port: 9080}, {name: grpc-api, port: 9090, targetPort: 9091}]}
---
apiVersion: v1
kind: Service
metadata: {name: details, namespace: default}
spec: {clusterIP: 198.19.0.4, selector: {app: details}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: mysqldb, namespace: default}
spec: {clusterIP: 198.19.0.5, selector: {app: mysqldb}, ports: [{name: tcp, port: 3306}]}
---
apiVersion: v1
kind: Service
metadata: {name: secret, namespace: hidden}
spec: {clusterIP: 198.19.0.9, selector: {app: secret}, ports: [{name: http, port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: productpage-v1, namespace: default}
spec: {address: 198.18.0.10, labels: {app: productpage, version: v1}, serviceAccount: bookinfo-productpage, locality: r1/z1/s1}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: reviews-v1, namespace: default}
spec: {address: 198.18.0.21, labels: {app: reviews, version: v1}, serviceAccount: bookinfo-reviews, locality: r1/z1/s1, weight: 3}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: reviews-v2, namespace: default}
spec: {address: 198.18.0.22, labels: {app: reviews, version: v2}, serviceAccount: bookinfo-reviews, locality: r1/z2}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: reviews-v3, namespace: default}
spec: {address: 198.18.0.23, labels: {app: reviews, version: v3, security.istio.io/tlsMode: disabled}, serviceAccount: bookinfo-reviews, locality: r2/z9, weight: 2}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-v1, namespace: default}
spec: {address: 198.18.0.30, labels: {app: ratings, version: v1}, serviceAccount: bookinfo-ratings}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: details-v1, namespace: default}
spec: {address: 198.18.0.40, labels: {app: details, version: v1}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: mysqldb-v1, namespace: default}
spec: {address: 198.18.0.50, labels: {app: mysqldb}, serviceAccount: bookinfo-mysql}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext, namespace: default}
spec:
  hosts: [httpbin.org]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api-rr, namespace: default}
spec:
  hosts: [api.example.com]
  resolution: DNS_ROUND_ROBIN
  ports: [{number: 80, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy-db, namespace: default}
spec:
  hosts: [legacy.db.internal]
  addresses: [198.19.1.1]
  resolution: NONE
  ports: [{number: 5432, name: tcp, protocol: TCP}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: {httpCookie: {name: user, path: /, ttl: 60s}, maglev: {tableSize: 1021}}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 3s, tcpKeepalive: {probes: 3, time: 60s, interval: 10s}}
      http: {http1MaxPendingRequests: 10, http2MaxRequests: 200, maxRequestsPerConnection: 5, maxRetries: 4, idleTimeout: 30s, h2UpgradePolicy: UPGRADE}
    outlierDetection: {consecutive5xxErrors: 7, interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 50, minHealthPercent: 20}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
      connectionPool: {http: {http2MaxRequests: 7}}
  - name: v3
    labels: {version: v3}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: default}
spec:
  host: ratings
  trafficPolicy:
    loadBalancer: {consistentHash: {httpHeaderName: x-user}}
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 9090}
      loadBalancer: {simple: RANDOM}
      tls: {mode: DISABLE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin-ext, namespace: default}
spec:
  host: httpbin.org
  trafficPolicy:
    tls: {mode: SIMPLE, caCertificates: /etc/ssl/certs/ca.pem, subjectAltNames: [httpbin.org]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  hosts: [reviews]
  http:
  - name: jason
    match:
    - name: by-header
      headers: {end-user: {exact: jason}}
      sourceLabels: {app: productpage}
    - name: other-caller
      headers: {end-user: {exact: jason}}
      sourceLabels: {app: somebody-else}
    route:
    - destination: {host: reviews, subset: v2}
    fault:
      abort: {httpStatus: 503, percentage: {value: 12.5}}
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,connect-failure,503,504"}
  - name: v3-api
    match:
    - uri: {prefix: /v3/}
      method: {exact: GET}
      queryParams: {debug: {exact: "1"}, trace: {}}
      withoutHeaders: {x-skip: {}}
      authority: {regex: "reviews.*"}
    - uri: {regex: "^/api/v[0-9]+/.*"}
      sourceNamespace: default
    rewrite: {uri: /, authority: reviews-v3.internal}
    route:
    - destination: {host: reviews, subset: v3}
    mirror: {host: reviews, subset: v1}
    mirrorPercentage: {value: 10}
    mirrors:
    - destination: {host: ratings, port: {number: 9080}}
      percentage: {value: 25}
  - name: regex-rewrite
    match:
    - uri: {exact: /old}
    rewrite: {uriRegexRewrite: {match: "^/old$", rewrite: /new}}
    route:
    - destination: {host: reviews, subset: v1}
  - name: split
    route:
    - destination: {host: reviews, subset: v1}
      weight: 75
      headers: {request: {set: {x-subset: v1}}}
    - destination: {host: reviews, subset: v3}
      weight: 25
    - destination: {host: reviews, subset: v2}
      weight: 0
    timeout: 5s
    corsPolicy:
      allowOrigins: [{exact: "https://bookinfo.example.com"}, {regex: "https://.*\\\\.example\\\\.org"}]
      allowMethods: [GET, POST]
      allowHeaders: [x-custom]
      exposeHeaders: [x-trace]
      maxAge: 24h
      allowCredentials: true
    headers:
      request: {set: {x-mesh: plexus}, add: {x-hop: sidecar}, remove: [x-internal]}
      response: {remove: [server]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: default}
spec:
  hosts: [ratings]
  http:
  - match: [{uri: {prefix: /moved}}]
    redirect: {uri: /ratings, authority: ratings.example.com, redirectCode: 308}
  - match: [{uri: {exact: /health}}]
    directResponse: {status: 200, body: {string: ok}}
  - fault: {delay: {fixedDelay: 1.5s, percentage: {value: 100}}}
    route: [{destination: {host: ratings, port: {number: 9080}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: mysqldb, namespace: default}
spec:
  hosts: [mysqldb]
  tcp:
  - match: [{port: 3306, sourceLabels: {app: nobody}}]
    route: [{destination: {host: reviews, port: {number: 9080}}}]
  - match: [{port: 3306}]
    route:
    - destination: {host: mysqldb, port: {number: 3306}}
      weight: 90
    - destination: {host: legacy.db.internal, port: {number: 5432}}
      weight: 10
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin-tls, namespace: default}
spec:
  hosts: [httpbin.org]
  tls:
  - match: [{port: 443, sniHosts: [httpbin.org]}]
    route: [{destination: {host: httpbin.org, port: {number: 443}}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["bookinfo.example.com", "*.shop.example.com"]
    tls: {httpsRedirect: true}
  - port: {number: 8080, name: http-any, protocol: HTTP}
    hosts: ["default/other.example.com"]
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [bookinfo.example.com]
    tls: {mode: SIMPLE, credentialName: bookinfo-cert, minProtocolVersion: TLSV1_2}
  - port: {number: 443, name: https-mtls, protocol: HTTPS}
    hosts: [partners.example.com]
    tls: {mode: MUTUAL, serverCertificate: /etc/certs/server.pem, privateKey: /etc/certs/key.pem, caCertificates: /etc/certs/ca.pem}
  - port: {number: 15443, name: tls-pass, protocol: TLS}
    hosts: ["*.passthrough.example.com"]
    tls: {mode: PASSTHROUGH}
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: other-gateway, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 9999, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: [bookinfo.example.com, partners.example.com, "*.shop.example.com", other.example.com]
  gateways: [bookinfo-gateway]
  http:
  - match:
    - uri: {exact: /productpage}
    - uri: {prefix: /static}
    route:
    - destination: {host: productpage, port: {number: 9080}}
  - match: [{uri: {prefix: /internal}, gateways: [mesh]}]
    route: [{destination: {host: details}}]
  - route: [{destination: {host: reviews, subset: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: passthrough, namespace: default}
spec:
  hosts: ["*.passthrough.example.com"]
  gateways: [default/bookinfo-gateway]
  tls:
  - match: [{port: 15443, sniHosts: [a.passthrough.example.com]}]
    route: [{destination: {host: details, port: {number: 9080}}}]
  - match: [{port: 15443, sniHosts: [b.other.com]}]
    route: [{destination: {host: ratings, port: {number: 9080}}}]
  tcp:
  - route: [{destination: {host: mysqldb, port: {number: 3306}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-in, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: mysqldb, port: {number: 3306}}}]
`;

/** Parses the fixture (plus extra YAML) into resources; fails on a syntax problem. */
export function loadMesh(extraYaml = ''): Resource<unknown>[] {
  const r = loadText(BOOKINFO_YAML + (extraYaml ? `\n---\n${extraYaml}` : ''), 'bookinfo.yaml');
  if (r.problems.length > 0) throw new Error(JSON.stringify(r.problems));
  return r.resources.map((s) => s.resource as Resource<unknown>);
}

/** A push context over the fixture. */
export function bookinfoPush(extraYaml = ''): PushContext {
  return buildPushContext({ resources: loadMesh(extraYaml) });
}

/** The productpage sidecar, as its node would introduce itself. */
export function productpageProxy(): ProxyInfo {
  return parseNode({
    id: 'sidecar~198.18.0.10~productpage-v1.default~default.svc.cluster.local',
    locality: { region: 'r1', zone: 'z1', sub_zone: 's1' },
    metadata: jsonToStruct({ NAMESPACE: 'default', LABELS: { app: 'productpage', version: 'v1' }, SERVICE_ACCOUNT: 'bookinfo-productpage', INSTANCE_IPS: '198.18.0.10' }),
  });
}

/** The ingress gateway (node type `router`). */
export function ingressProxy(): ProxyInfo {
  return parseNode({
    id: 'router~198.18.0.100~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local',
    metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } }),
  });
}

/** Runs the generator the dispatch picks for this proxy and type; resources decoded, by name. */
export function generate(push: PushContext, proxy: ProxyInfo, type: keyof typeof TYPE_URL, names?: string[]): Map<string, ProtoObject> {
  const gen = selectGenerator(TYPE_URL[type], proxy);
  if (!gen) throw new Error(`no ${type} generator for ${proxy.id}`);
  return new Map(gen(push, proxy, names).map((r) => [r.name, unpackAny(r.resource)]));
}

/** Unpacks a nested Any field (typed_config…). */
export function any(v: unknown): ProtoObject {
  return unpackAny(v as { type_url: string; value: Uint8Array });
}
