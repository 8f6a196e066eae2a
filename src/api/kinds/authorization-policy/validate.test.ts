import { runValidationCases } from '../../testing/validation-cases.js';

const ap = (spec: string, meta = ''): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: policy, namespace: shop${meta}}
spec:
${spec.replace(/^/gm, '  ')}`;

runValidationCases('AuthorizationPolicy', [
  { name: 'an empty spec (ALLOW with no rules denies all)', valid: true, noWarnings: true, yaml: ap('{}') },
  {
    name: 'a typical ALLOW policy', valid: true, noWarnings: true,
    yaml: ap(`selector: {matchLabels: {app: cart}}
action: ALLOW
rules:
- from: [{source: {principals: ["cluster.local/ns/shop/sa/web"], namespaces: ["shop"]}}]
  to: [{operation: {methods: ["GET", "POST"], paths: ["/api/*"], ports: ["8080"]}}]
  when: [{key: "request.auth.claims[iss]", values: ["https://issuer.example"]}]`),
  },
  { name: 'ALLOW with an empty rules list warns that it denies everything', valid: true, warning: 'spec.rules: an ALLOW policy with an empty rules list', yaml: ap('rules: []') },
  { name: 'v1beta1 is served', valid: true, yaml: ap('rules: [{}]').replace('security.istio.io/v1', 'security.istio.io/v1beta1') },
  { name: 'an unknown action', valid: false, error: 'spec.action: unknown value "REJECT"', yaml: ap('action: REJECT\nrules: [{}]') },
  { name: 'an unknown field in a source', valid: false, error: 'spec.rules[0].from[0].source.principal: unknown field "principal"', yaml: ap('rules: [{from: [{source: {principal: [a]}}]}]') },
  { name: 'ports must be strings', valid: false, error: 'spec.rules[0].to[0].operation.ports[0]: expected a string', yaml: ap('rules: [{to: [{operation: {ports: [8080]}}]}]') },
  { name: 'DENY without rules', valid: false, error: 'spec.rules: a DENY policy without rules', yaml: ap('action: DENY') },
  { name: 'DENY with an empty rule is a deny-all', valid: true, noWarnings: true, yaml: ap('action: DENY\nrules: [{}]') },
  { name: 'DENY on HTTP-only attributes warns about TCP ports', valid: true, warning: 'spec.rules[0]: this DENY rule uses only HTTP attributes', yaml: ap('action: DENY\nrules: [{to: [{operation: {methods: [DELETE]}}]}]') },
  { name: 'DENY on a port is fine for TCP', valid: true, noWarnings: true, yaml: ap('action: DENY\nrules: [{to: [{operation: {ports: ["3306"]}}]}]') },
  { name: 'DENY on requestPrincipals alone warns too', valid: true, warning: 'this DENY rule uses only HTTP attributes', yaml: ap('action: DENY\nrules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]') },
  { name: 'AUDIT policies are accepted', valid: true, yaml: ap('action: AUDIT\nrules: [{to: [{operation: {paths: ["/admin"]}}]}]') },
  { name: 'CUSTOM without a provider', valid: false, error: 'spec.provider: provider.name is required with action CUSTOM', yaml: ap('action: CUSTOM\nrules: [{}]') },
  { name: 'CUSTOM with an empty provider name', valid: false, error: 'spec.provider.name: provider.name must not be empty', yaml: ap('action: CUSTOM\nprovider: {}\nrules: [{}]') },
  { name: 'CUSTOM without rules', valid: false, error: 'spec.rules: a CUSTOM policy without rules', yaml: ap('action: CUSTOM\nprovider: {name: ext-authz}') },
  { name: 'a valid CUSTOM policy', valid: true, yaml: ap('action: CUSTOM\nprovider: {name: ext-authz}\nrules: [{to: [{operation: {paths: ["/admin/*"]}}]}]') },
  { name: 'CUSTOM cannot match on principals', valid: false, error: 'spec.rules[0].from[0].source.principals: principals is not supported with action CUSTOM', yaml: ap('action: CUSTOM\nprovider: {name: x}\nrules: [{from: [{source: {principals: [a]}}]}]') },
  { name: 'CUSTOM cannot match on JWT claims', valid: false, error: 'spec.rules[0].when[0].key: request.auth.claims[sub] is not supported with action CUSTOM', yaml: ap('action: CUSTOM\nprovider: {name: x}\nrules: [{when: [{key: "request.auth.claims[sub]", values: [a]}]}]') },
  { name: 'a provider with a non-CUSTOM action', valid: false, error: 'spec.provider: provider may only be set with action CUSTOM, found DENY', yaml: ap('action: DENY\nprovider: {name: x}\nrules: [{}]') },
  { name: 'selector and targetRef together', valid: false, error: 'spec: only one of targetRefs, targetRef or selector can be set', yaml: ap('selector: {matchLabels: {app: a}}\ntargetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: gw}') },
  { name: 'a targetRef to a Gateway API gateway', valid: true, yaml: ap('targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\nrules: [{}]') },
  { name: 'a targetRef to a Deployment', valid: false, error: 'spec.targetRef: targetRef must refer to one of', yaml: ap('targetRef: {kind: Deployment, group: apps, name: web}') },
  { name: 'a cross-namespace targetRef', valid: false, error: 'spec.targetRefs[0].namespace: targetRef namespace must not be set', yaml: ap('targetRefs: [{kind: Service, name: web, namespace: other}]') },
  { name: 'a wildcard in a selector label', valid: false, error: 'spec.selector.matchLabels.app: wildcard not allowed', yaml: ap('selector: {matchLabels: {app: "web-*"}}') },
  { name: 'a selector without labels warns', valid: true, warning: 'spec.selector: workload selector specified without labels', yaml: ap('selector: {}') },
  { name: 'an empty from list', valid: false, error: 'spec.rules[0].from: `from` must not be an empty list', yaml: ap('rules: [{from: []}]') },
  { name: 'an empty to list', valid: false, error: 'spec.rules[0].to: `to` must not be an empty list', yaml: ap('rules: [{to: []}]') },
  { name: 'a from without source', valid: false, error: 'spec.rules[0].from[0].source: `from.source` is required', yaml: ap('rules: [{from: [{}]}]') },
  { name: 'an empty source', valid: false, error: 'spec.rules[0].from[0].source: `from.source` must not be empty', yaml: ap('rules: [{from: [{source: {}}]}]') },
  { name: 'an empty operation', valid: false, error: 'spec.rules[0].to[0].operation: `to.operation` must not be empty', yaml: ap('rules: [{to: [{operation: {}}]}]') },
  { name: 'an empty string among principals', valid: false, error: 'spec.rules[0].from[0].source.principals[1]: empty value not allowed', yaml: ap('rules: [{from: [{source: {principals: [a, ""]}}]}]') },
  { name: 'IPs and CIDRs in ipBlocks', valid: true, yaml: ap('rules: [{from: [{source: {ipBlocks: ["198.18.0.1", "198.18.0.0/16", "2001:db8::/32"], notRemoteIpBlocks: ["198.19.0.0/24"]}}]}]') },
  { name: 'a bad ipBlock', valid: false, error: 'spec.rules[0].from[0].source.ipBlocks[0]: "198.18.0.300" is not a valid IP address', yaml: ap('rules: [{from: [{source: {ipBlocks: ["198.18.0.300"]}}]}]') },
  { name: 'a bad remoteIpBlocks CIDR', valid: false, error: 'spec.rules[0].from[0].source.remoteIpBlocks[0]: "198.18.0.0/33"', yaml: ap('rules: [{from: [{source: {remoteIpBlocks: ["198.18.0.0/33"]}}]}]') },
  { name: 'serviceAccounts with namespaces', valid: false, error: 'spec.rules[0].from[0].source: serviceAccounts cannot be set together with namespaces or principals', yaml: ap('rules: [{from: [{source: {serviceAccounts: [shop/web], namespaces: [shop]}}]}]') },
  { name: 'an out-of-range port', valid: false, error: 'spec.rules[0].to[0].operation.notPorts[0]: bad port "70000"', yaml: ap('rules: [{to: [{operation: {notPorts: ["70000"]}}]}]') },
  { name: 'a non-numeric port', valid: false, error: 'spec.rules[0].to[0].operation.ports[0]: bad port "http"', yaml: ap('rules: [{to: [{operation: {ports: ["http"]}}]}]') },
  { name: 'a supported path template', valid: true, yaml: ap('rules: [{to: [{operation: {paths: ["/api/{*}/items/{**}"]}}]}]') },
  { name: 'an unsupported path template', valid: false, error: 'spec.rules[0].to[0].operation.paths[0]: invalid or unsupported path template', yaml: ap('rules: [{to: [{operation: {paths: ["/api/{id}/{*}"]}}]}]') },
  { name: 'a lowercase method warns', valid: true, warning: 'spec.rules[0].to[0].operation.methods[0]: methods are matched case-sensitively', yaml: ap('rules: [{to: [{operation: {methods: [get]}}]}]') },
  { name: 'a wildcard in the middle of a principal warns', valid: true, warning: 'spec.rules[0].from[0].source.principals[0]: "*" is only a wildcard', yaml: ap('rules: [{from: [{source: {principals: ["cluster.local/ns/*/sa/web"]}}]}]') },
  {
    name: 'every accepted when key', valid: true,
    yaml: ap(`rules:
- when:
  - {key: "request.headers[x-user]", values: [alice]}
  - {key: source.ip, values: ["198.18.0.0/16"]}
  - {key: remote.ip, notValues: ["198.18.1.1"]}
  - {key: source.namespace, values: [shop]}
  - {key: source.principal, values: ["*"]}
  - {key: source.serviceAccount, values: [shop/web]}
  - {key: source.trustDomain, values: [cluster.local]}
  - {key: request.auth.principal, values: [a/b]}
  - {key: request.auth.audiences, values: [web]}
  - {key: request.auth.presenter, values: [app]}
  - {key: "request.auth.claims[groups]", values: [admin]}
  - {key: destination.ip, values: ["198.19.0.5"]}
  - {key: destination.port, values: ["9080"]}
  - {key: connection.sni, values: [www.example.com]}
  - {key: "experimental.envoy.filters.network.mysql_proxy[db.table]", values: ["[update]"]}`),
  },
  { name: 'destination.namespace is rejected', valid: false, error: "spec.rules[0].when[0].key: attribute destination.namespace is replaced by the policy's metadata.namespace", yaml: ap('rules: [{when: [{key: destination.namespace, values: [a]}]}]') },
  { name: 'destination.labels is rejected', valid: false, error: 'spec.rules[0].when[0].key: attribute destination.labels[app] is replaced by the workload selector', yaml: ap('rules: [{when: [{key: "destination.labels[app]", values: [a]}]}]') },
  { name: 'destination.name and destination.user are rejected', valid: false, error: 'attribute destination.user is deprecated', yaml: ap('rules: [{when: [{key: destination.user, values: [a]}]}]') },
  { name: 'an unknown when key', valid: false, error: 'spec.rules[0].when[0].key: unknown attribute "request.method"', yaml: ap('rules: [{when: [{key: request.method, values: [GET]}]}]') },
  { name: 'a header key without a name', valid: false, error: 'spec.rules[0].when[0].key: bad key "request.headers[]"', yaml: ap('rules: [{when: [{key: "request.headers[]", values: [a]}]}]') },
  { name: 'a when without values', valid: false, error: 'spec.rules[0].when[0]: at least one of values or notValues must be set for key source.ip', yaml: ap('rules: [{when: [{key: source.ip}]}]') },
  { name: 'a bad source.ip value', valid: false, error: 'spec.rules[0].when[0].notValues[0]: invalid value for key source.ip', yaml: ap('rules: [{when: [{key: source.ip, notValues: ["not-an-ip"]}]}]') },
  { name: 'a bad destination.port value', valid: false, error: 'spec.rules[0].when[0].values[0]: invalid value for key destination.port', yaml: ap('rules: [{when: [{key: destination.port, values: ["65536"]}]}]') },
  { name: 'the dry-run annotation on a DENY policy', valid: true, yaml: ap('action: DENY\nrules: [{to: [{operation: {ports: ["80"]}}]}]', ', annotations: {"istio.io/dry-run": "true"}') },
  { name: 'the dry-run annotation with a non-boolean', valid: false, error: 'spec: the istio.io/dry-run annotation must be a boolean', yaml: ap('rules: [{}]', ', annotations: {"istio.io/dry-run": "maybe"}') },
  { name: 'the dry-run annotation on an AUDIT policy', valid: false, error: 'only supports actions ALLOW and DENY', yaml: ap('action: AUDIT\nrules: [{}]', ', annotations: {"istio.io/dry-run": "true"}') },
]);
