import { runValidationCases } from '../../testing/validation-cases.js';

// Each case is a whole DestinationRule; `dr` wraps a spec body written as YAML flow or block text.
const dr = (spec: string, meta = 'name: r, namespace: shop'): string =>
  `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {${meta}}\nspec:\n${spec.replace(/^/gm, '  ')}`;

const tp = (policy: string): string => dr(`host: cart.shop.svc.cluster.local\ntrafficPolicy:\n${policy.replace(/^/gm, '  ')}`);

runValidationCases('DestinationRule', [
  // host
  { name: 'a minimal rule with a short host', valid: true, noWarnings: true, yaml: dr('host: cart') },
  { name: 'a wildcard host', valid: true, yaml: dr('host: "*.shop.example.org"') },
  { name: 'missing host', valid: false, error: 'spec.host: host is required', yaml: dr('subsets: [{name: v1, labels: {version: v1}}]') },
  { name: 'a host with an underscore', valid: false, error: /spec\.host: domain name "cart_svc\.shop" invalid/, yaml: dr('host: cart_svc.shop') },
  { name: 'an IP address as host', valid: false, error: /spec\.host: .*all-numeric/, yaml: dr('host: 198.19.0.7') },
  { name: 'a wildcard not in the first label', valid: false, error: /spec\.host: .*invalid/, yaml: dr('host: "cart.*.example.org"') },
  { name: 'an unknown field', valid: false, error: 'spec.trafficPolicy.loadBalancing: unknown field', yaml: tp('loadBalancing: {simple: RANDOM}') },
  { name: 'snake_case fields are accepted', valid: true, yaml: tp('load_balancer: {simple: LEAST_REQUEST}\nconnection_pool: {tcp: {max_connections: 10}}') },
  { name: 'enum given by number', valid: true, yaml: tp('tls: {mode: 2, clientCertificate: /c.pem, privateKey: /k.pem}') },

  // traffic policy shape
  { name: 'an empty traffic policy', valid: false, error: 'spec.trafficPolicy: traffic policy must set at least one field', yaml: tp('{}') },
  { name: 'tunnel together with proxyProtocol', valid: false, error: 'tunnel and proxyProtocol cannot be set together', yaml: tp('tunnel: {targetHost: egress.example.org, targetPort: 443}\nproxyProtocol: {version: V2}') },
  { name: 'an unknown proxy protocol version', valid: false, error: 'spec.trafficPolicy.proxyProtocol.version: unknown value "V3"', yaml: tp('proxyProtocol: {version: V3}') },
  { name: 'a tunnel with POST to an IP', valid: true, yaml: tp('tunnel: {protocol: POST, targetHost: 198.51.100.4, targetPort: 8443}') },
  { name: 'a tunnel with an unknown protocol', valid: false, error: 'spec.trafficPolicy.tunnel.protocol: tunnel protocol must be', yaml: tp('tunnel: {protocol: GET, targetHost: a.example.org, targetPort: 443}') },
  { name: 'a tunnel with port 0', valid: false, error: 'spec.trafficPolicy.tunnel.targetPort: tunnel targetPort is invalid', yaml: tp('tunnel: {targetHost: a.example.org, targetPort: 0}') },
  { name: 'a TCP idle timeout of 0s disables it', valid: true, yaml: tp('connectionPool: {tcp: {idleTimeout: 0s}}') },
  { name: 'a TCP idle timeout finer than 1ms', valid: false, error: 'spec.trafficPolicy.connectionPool.tcp.idleTimeout', yaml: tp('connectionPool: {tcp: {idleTimeout: 1500us}}') },
  { name: 'HTTP/2 keepalive pings', valid: true, yaml: tp('connectionPool: {http: {http2KeepAlive: {interval: 20s, timeout: 4s}}}') },
  { name: 'a retry budget above 100%', valid: false, error: 'spec.trafficPolicy.retryBudget.percent', yaml: tp('retryBudget: {percent: 150}') },

  // load balancer
  { name: 'simple and consistentHash together', valid: false, error: 'only one of simple, consistentHash may be set', yaml: tp('loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}') },
  { name: 'two hash keys', valid: false, error: 'only one of httpHeaderName, useSourceIp may be set', yaml: tp('loadBalancer: {consistentHash: {httpHeaderName: x-user, useSourceIp: true}}') },
  { name: 'a cookie hash with a zero ttl', valid: true, yaml: tp('loadBalancer: {consistentHash: {httpCookie: {name: session, ttl: 0s}}}') },
  { name: 'a cookie without a name', valid: false, error: 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name: name is required', yaml: tp('loadBalancer: {consistentHash: {httpCookie: {ttl: 10s}}}') },
  { name: 'the deprecated minimumRingSize warns', valid: true, warning: 'consistentHash.minimumRingSize: consistentHash.minimumRingSize is deprecated', yaml: tp('loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 2048}}') },
  { name: 'minimumRingSize together with maglev', valid: false, error: 'only one of minimumRingSize or maglev/ringHash', yaml: tp('loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 2048, maglev: {tableSize: 65537}}}') },
  { name: 'maglev with a prime table size', valid: true, yaml: tp('loadBalancer: {consistentHash: {httpQueryParameterName: user, maglev: {tableSize: 65537}}}') },
  { name: 'maglev with a non-prime table size', valid: false, error: 'maglev.tableSize: tableSize 65536 must be a prime number', yaml: tp('loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 65536}}}') },
  { name: 'maglev without a table size', valid: false, error: 'tableSize must be set for maglev', yaml: tp('loadBalancer: {consistentHash: {useSourceIp: true, maglev: {}}}') },
  { name: 'maglev with a table too large', valid: false, error: 'tableSize must be less than 5000011', yaml: tp('loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 5000011}}}') },
  { name: 'warmup with aggression and minimumPercent', valid: true, yaml: tp('loadBalancer: {simple: ROUND_ROBIN, warmup: {duration: 90s, minimumPercent: 10, aggression: 1.5}}') },
  { name: 'warmup without a duration', valid: false, error: 'warmup.duration: warmup duration is required', yaml: tp('loadBalancer: {warmup: {aggression: 2}}') },
  { name: 'warmup with aggression below 1', valid: false, error: 'warmup.aggression', yaml: tp('loadBalancer: {warmup: {duration: 1m, aggression: 0.5}}') },
  { name: 'a sub-millisecond warmupDurationSecs', valid: false, error: 'warmupDurationSecs: duration must be greater than 1ms', yaml: tp('loadBalancer: {warmupDurationSecs: 500us}') },

  // locality
  { name: 'locality distribute summing to 100', valid: true, yaml: tp('loadBalancer:\n  localityLbSetting:\n    distribute:\n    - from: eu-west/zone1/*\n      to: {"eu-west/zone1/*": 80, "eu-west/zone2/*": 20}') },
  { name: 'locality distribute not summing to 100', valid: false, error: 'total locality weight 90 != 100', yaml: tp('loadBalancer:\n  localityLbSetting:\n    distribute:\n    - from: eu-west/*\n      to: {"eu-west/zone1/*": 70, "eu-west/zone2/*": 20}') },
  { name: 'distribute together with failover', valid: false, error: 'distribute and failover cannot be set together', yaml: tp('loadBalancer:\n  localityLbSetting:\n    distribute: [{from: a/*, to: {"a/*": 100}}]\n    failover: [{from: a, to: b}]\noutlierDetection: {consecutive5xxErrors: 3}') },
  { name: 'failover to the same region', valid: false, error: 'failover[0]: locality failover must name two different regions', yaml: tp('loadBalancer: {localityLbSetting: {failover: [{from: us-east, to: us-east}]}}\noutlierDetection: {interval: 10s}') },
  { name: 'failover without outlier detection warns', valid: true, warning: 'outlier detection must be configured for locality failover', yaml: tp('loadBalancer: {localityLbSetting: {failover: [{from: us-east, to: us-west}]}}') },
  { name: 'failover with a topology label in failoverPriority', valid: false, error: 'cannot set failover together with the topology label', yaml: tp('loadBalancer: {localityLbSetting: {failover: [{from: us-east, to: us-west}], failoverPriority: [topology.kubernetes.io/zone]}}\noutlierDetection: {interval: 10s}') },
  { name: 'overlapping distribute sources', valid: false, error: 'overlaps with a previous one', yaml: tp('loadBalancer:\n  localityLbSetting:\n    distribute:\n    - {from: eu/*, to: {"eu/*": 100}}\n    - {from: eu/z1, to: {"eu/*": 100}}') },

  // connection pool
  { name: 'a full connection pool', valid: true, noWarnings: true, yaml: tp('connectionPool:\n  tcp: {maxConnections: 100, connectTimeout: 30ms, idleTimeout: 1h, maxConnectionDuration: 10m, tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}}\n  http: {http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 1, maxRetries: 3, idleTimeout: 30s, h2UpgradePolicy: UPGRADE, maxConcurrentStreams: 100}') },
  { name: 'an empty connection pool', valid: false, error: 'spec.trafficPolicy.connectionPool: connection pool must set at least one of tcp or http', yaml: tp('connectionPool: {}') },
  { name: 'negative maxConnections', valid: false, error: 'connectionPool.tcp.maxConnections: maxConnections must be non-negative', yaml: tp('connectionPool: {tcp: {maxConnections: -1}}') },
  { name: 'negative http2MaxRequests', valid: false, error: 'connectionPool.http.http2MaxRequests: http2MaxRequests must be non-negative', yaml: tp('connectionPool: {http: {http2MaxRequests: -5}}') },
  { name: 'UPGRADE with useClientProtocol', valid: false, error: 'useClientProtocol must not be true when h2UpgradePolicy is UPGRADE', yaml: tp('connectionPool: {http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}}') },
  { name: 'a zero connect timeout', valid: false, error: 'connectionPool.tcp.connectTimeout: duration must be greater than 1ms', yaml: tp('connectionPool: {tcp: {connectTimeout: 0s}}') },
  { name: 'a sub-millisecond idle timeout', valid: false, error: 'connectionPool.http.idleTimeout: only durations to ms precision', yaml: tp('connectionPool: {http: {idleTimeout: 1.0005s}}') },
  { name: 'a malformed keepalive time', valid: false, error: 'tcpKeepalive.time: invalid duration', yaml: tp('connectionPool: {tcp: {tcpKeepalive: {time: soon}}}') },
  { name: 'maxConnections above int32', valid: false, error: 'connectionPool.tcp.maxConnections: 3000000000 is out of range', yaml: tp('connectionPool: {tcp: {maxConnections: 3000000000}}') },

  // outlier detection
  { name: 'outlier detection with every field', valid: true, yaml: tp('outlierDetection: {consecutive5xxErrors: 5, consecutiveGatewayErrors: 2, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50, minHealthPercent: 30, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 3}') },
  { name: 'maxEjectionPercent above 100', valid: false, error: 'outlierDetection.maxEjectionPercent: maxEjectionPercent 101 is not in range 0..100', yaml: tp('outlierDetection: {maxEjectionPercent: 101}') },
  { name: 'negative minHealthPercent', valid: false, error: 'outlierDetection.minHealthPercent', yaml: tp('outlierDetection: {minHealthPercent: -1}') },
  { name: 'local origin failures without the split', valid: false, error: 'consecutiveLocalOriginFailures has no effect unless splitExternalLocalOriginErrors', yaml: tp('outlierDetection: {consecutiveLocalOriginFailures: 2}') },
  { name: 'deprecated consecutiveErrors warns', valid: true, warning: 'outlierDetection.consecutiveErrors: consecutiveErrors is deprecated', yaml: tp('outlierDetection: {consecutiveErrors: 5}') },
  { name: 'a zero base ejection time', valid: false, error: 'outlierDetection.baseEjectionTime: duration must be greater than 1ms', yaml: tp('outlierDetection: {baseEjectionTime: 0s}') },

  // TLS
  { name: 'ISTIO_MUTUAL with an sni', valid: true, yaml: tp('tls: {mode: ISTIO_MUTUAL, sni: cart.shop.svc.cluster.local}') },
  { name: 'MUTUAL without client certificate and key', valid: false, error: 'tls.clientCertificate: clientCertificate is required for MUTUAL TLS', yaml: tp('tls: {mode: MUTUAL, caCertificates: /ca.pem}') },
  { name: 'MUTUAL with a credentialName', valid: true, yaml: tp('tls: {mode: MUTUAL, credentialName: cart-client}') },
  { name: 'credentialName together with certificate files', valid: false, error: 'tls.credentialName: cannot set caCertificates when credentialName is set', yaml: tp('tls: {mode: SIMPLE, credentialName: cart-ca, caCertificates: /ca.pem}') },
  { name: 'SIMPLE insecureSkipVerify with SANs', valid: false, error: 'tls.insecureSkipVerify: cannot set caCertificates, credentialName or subjectAltNames', yaml: tp('tls: {mode: SIMPLE, insecureSkipVerify: true, subjectAltNames: [cart.example.org]}') },
  { name: 'SIMPLE insecureSkipVerify alone', valid: true, yaml: tp('tls: {mode: SIMPLE, insecureSkipVerify: true, sni: cart.example.org}') },
  { name: 'an unknown TLS mode', valid: false, error: 'tls.mode: unknown value "PERMISSIVE"', yaml: tp('tls: {mode: PERMISSIVE}') },
  { name: 'a configmap credential in another namespace', valid: false, error: 'tls.credentialName: invalid configmap:// credentialName: the namespace must be', yaml: tp('tls: {mode: SIMPLE, credentialName: "configmap://other/ca-bundle"}') },
  { name: 'a configmap credential in its own namespace', valid: true, yaml: tp('tls: {mode: SIMPLE, credentialName: "configmap://ca-bundle"}') },

  // port level settings
  { name: 'port level settings', valid: true, noWarnings: true, yaml: tp('portLevelSettings:\n- port: {number: 80}\n  loadBalancer: {simple: LEAST_REQUEST}\n- port: {number: 9080}\n  tls: {mode: DISABLE}') },
  { name: 'a port level setting without a port', valid: false, error: 'portLevelSettings[0].port: port is required', yaml: tp('portLevelSettings:\n- loadBalancer: {simple: RANDOM}') },
  { name: 'a port level setting with nothing to set', valid: false, error: 'portLevelSettings[0]: port traffic policy must set at least one of', yaml: tp('portLevelSettings:\n- port: {number: 80}') },
  { name: 'duplicate port level settings warn', valid: true, warning: 'portLevelSettings[1].port.number: port 80 already has settings at portLevelSettings[0]', yaml: tp('portLevelSettings:\n- {port: {number: 80}, loadBalancer: {simple: RANDOM}}\n- {port: {number: 80}, tls: {mode: ISTIO_MUTUAL}}') },
  { name: 'tunnel is not a port level field', valid: false, error: 'portLevelSettings[0].tunnel: unknown field', yaml: tp('portLevelSettings:\n- {port: {number: 80}, tunnel: {targetHost: a.b, targetPort: 1}}') },
  { name: 'bad settings inside a port level policy', valid: false, error: 'portLevelSettings[0].connectionPool.tcp.maxConnections', yaml: tp('portLevelSettings:\n- {port: {number: 80}, connectionPool: {tcp: {maxConnections: -3}}}') },

  // subsets
  { name: 'subsets with labels and policies', valid: true, yaml: dr('host: cart\nsubsets:\n- name: v1\n  labels: {version: v1}\n- name: v2-canary\n  labels: {version: v2, track: canary}\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}') },
  { name: 'a subset without a name', valid: false, error: 'spec.subsets[0].name: subset name is required', yaml: dr('host: cart\nsubsets: [{labels: {version: v1}}]') },
  { name: 'a subset name with a dot', valid: false, error: 'spec.subsets[0].name: invalid subset name "v1.0"', yaml: dr('host: cart\nsubsets: [{name: v1.0}]') },
  { name: 'duplicate subset names', valid: false, error: 'spec.subsets[1].name: duplicate subset name "v1"', yaml: dr('host: cart\nsubsets: [{name: v1, labels: {version: v1}}, {name: v1, labels: {version: v2}}]') },
  { name: 'a subset label value with a space', valid: false, error: 'spec.subsets[0].labels.version: invalid label value', yaml: dr('host: cart\nsubsets: [{name: v1, labels: {version: "v 1"}}]') },
  { name: 'an empty subset traffic policy', valid: false, error: 'spec.subsets[0].trafficPolicy: traffic policy must set at least one field', yaml: dr('host: cart\nsubsets: [{name: v1, trafficPolicy: {}}]') },

  // exportTo and workload selector
  { name: 'exportTo current namespace and another', valid: true, yaml: dr('host: cart\nexportTo: [".", frontend]') },
  { name: 'exportTo "." and the own namespace', valid: false, error: 'spec.exportTo[1]: duplicate entries in exportTo: "." and the current namespace shop', yaml: dr('host: cart\nexportTo: [".", shop]') },
  { name: 'exportTo "*" with others', valid: false, error: 'cannot have both public (*) and non-public', yaml: dr('host: cart\nexportTo: ["*", frontend]') },
  { name: 'exportTo "~" is for ServiceEntry only', valid: false, error: 'spec.exportTo[0]: exportTo "~"', yaml: dr('host: cart\nexportTo: ["~"]') },
  { name: 'a workload selector exported to its namespace', valid: true, yaml: dr('host: cart\nworkloadSelector: {matchLabels: {app: web}}\nexportTo: ["."]') },
  { name: 'a workload selector exported elsewhere', valid: false, error: 'cannot be exported beyond its own namespace', yaml: dr('host: cart\nworkloadSelector: {matchLabels: {app: web}}\nexportTo: [frontend]') },
  { name: 'a workload selector with a wildcard', valid: false, error: 'spec.workloadSelector.matchLabels.app: wildcard not allowed in label value match', yaml: dr('host: cart\nworkloadSelector: {matchLabels: {app: "web*"}}') },
  { name: 'a workload selector without labels warns', valid: true, warning: 'spec.workloadSelector: workload selector specified without labels', yaml: dr('host: cart\nworkloadSelector: {}') },
  { name: 'served at v1alpha3 too', valid: true, yaml: 'apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata: {name: r}\nspec: {host: cart}' },
]);
