import { runValidationCases } from '../../testing/validation-cases.js';

const wp = (spec: string): string => `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: plugin, namespace: shop}
spec:
${spec.replace(/^/gm, '  ')}`;
const SHA = 'a'.repeat(64);

runValidationCases('WasmPlugin', [
  {
    name: 'a complete plugin', valid: true, noWarnings: true,
    yaml: wp(`selector: {matchLabels: {app: web}}
url: oci://ghcr.io/example/auth:1.0
sha256: ${SHA}
imagePullPolicy: IfNotPresent
imagePullSecret: pull-secret
phase: AUTHN
priority: 10
failStrategy: FAIL_OPEN
pluginConfig: {header: x-auth, nested: {list: [1, 2]}}
vmConfig: {env: [{name: POD_NAME, valueFrom: HOST}, {name: MODE, value: strict}]}
match: [{mode: SERVER, ports: [{number: 8080}]}]
type: HTTP`),
  },
  { name: 'a bare image reference', valid: true, yaml: wp('url: ghcr.io/example/auth:1.0') },
  { name: 'a local file', valid: true, yaml: wp('url: file:///opt/plugins/auth.wasm') },
  { name: 'an https URL', valid: true, yaml: wp('url: https://plugins.example.com/auth.wasm') },
  { name: 'a missing url', valid: false, error: 'spec.url: url is required', yaml: wp('phase: AUTHZ') },
  { name: 'an ftp url', valid: false, error: 'spec.url: url has an unsupported scheme "ftp"', yaml: wp('url: ftp://example.com/p.wasm') },
  { name: 'a registry with a port but no scheme', valid: false, error: 'spec.url: url has an unsupported scheme "localhost"', yaml: wp('url: localhost:5000/p:1') },
  { name: 'a short sha256', valid: false, error: 'spec.sha256: sha256 must be 64 characters long', yaml: wp('url: oci://r/p\nsha256: abc') },
  { name: 'an uppercase sha256', valid: false, error: 'spec.sha256: sha256 must be 64 lowercase hexadecimal', yaml: wp(`url: oci://r/p\nsha256: ${'A'.repeat(64)}`) },
  { name: 'an unknown phase', valid: false, error: 'spec.phase: unknown value "ROUTE"', yaml: wp('url: oci://r/p\nphase: ROUTE') },
  { name: 'an unknown fail strategy', valid: false, error: 'spec.failStrategy: unknown value "RETRY"', yaml: wp('url: oci://r/p\nfailStrategy: RETRY') },
  { name: 'an unknown pull policy', valid: false, error: 'spec.imagePullPolicy: unknown value "Never"', yaml: wp('url: oci://r/p\nimagePullPolicy: Never') },
  { name: 'pluginConfig must be an object', valid: false, error: 'spec.pluginConfig: pluginConfig must be an object', yaml: wp('url: oci://r/p\npluginConfig: [a]') },
  { name: 'a port out of range', valid: false, error: 'spec.match[0].ports[0].number: port 0 is out of range', yaml: wp('url: oci://r/p\nmatch: [{ports: [{number: 0}]}]') },
  { name: 'a duplicate match port', valid: false, error: 'spec.match[0].ports[1].number: duplicate port 80', yaml: wp('url: oci://r/p\nmatch: [{ports: [{number: 80}, {number: 80}]}]') },
  { name: 'an unknown match mode', valid: false, error: 'spec.match[0].mode: unknown value "BOTH"', yaml: wp('url: oci://r/p\nmatch: [{mode: BOTH}]') },
  { name: 'a HOST env var with a value', valid: false, error: 'spec.vmConfig.env[0].value: value may only be set when valueFrom is INLINE', yaml: wp('url: oci://r/p\nvmConfig: {env: [{name: A, valueFrom: HOST, value: x}]}') },
  { name: 'a duplicate env var', valid: false, error: 'spec.vmConfig.env[1].name: duplicate environment variable "A"', yaml: wp('url: oci://r/p\nvmConfig: {env: [{name: A}, {name: A}]}') },
  { name: 'an unknown plugin type', valid: false, error: 'spec.type: unknown value "TCP"', yaml: wp('url: oci://r/p\ntype: TCP') },
  { name: 'a priority beyond int32', valid: false, error: 'spec.priority', yaml: wp('url: oci://r/p\npriority: 3000000000') },
  { name: 'selector and targetRefs together', valid: false, error: 'spec: only one of targetRefs, targetRef or selector can be set', yaml: wp('url: oci://r/p\nselector: {matchLabels: {app: a}}\ntargetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]') },
  { name: 'a url with a broken percent-escape', valid: false, error: 'spec.url: failed to parse url', yaml: wp('url: "plugins%zzexample/auth.wasm"') },
  { name: 'a url with a proper percent-escape', valid: true, yaml: wp('url: "https://plugins.example.com/my%20filter.wasm"') },
]);
