import { runValidationCases } from '../../testing/validation-cases.js';

const pa = (spec: string, ns = 'shop'): string => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: ${ns}}
spec:
${spec.replace(/^/gm, '  ')}`;

runValidationCases('PeerAuthentication', [
  { name: 'mesh-wide STRICT in the root namespace', valid: true, noWarnings: true, yaml: pa('mtls: {mode: STRICT}', 'istio-system') },
  { name: 'an empty spec', valid: true, yaml: pa('{}') },
  { name: 'every mode is accepted', valid: true, yaml: pa('selector: {matchLabels: {app: db}}\nmtls: {mode: UNSET}\nportLevelMtls:\n  "5432": {mode: DISABLE}\n  "8080": {mode: PERMISSIVE}\n  "9090": {mode: STRICT}') },
  { name: 'an unknown mode', valid: false, error: 'spec.mtls.mode: unknown value "REQUIRED"', yaml: pa('mtls: {mode: REQUIRED}') },
  { name: 'a mode given by number', valid: true, yaml: pa('mtls: {mode: 3}') },
  { name: 'port-level mTLS on a workload', valid: true, noWarnings: true, yaml: pa('selector: {matchLabels: {app: probe}}\nmtls: {mode: STRICT}\nportLevelMtls: {8080: {mode: PERMISSIVE}}') },
  { name: 'port-level mTLS without a selector', valid: false, error: 'spec.portLevelMtls: portLevelMtls requires a selector', yaml: pa('mtls: {mode: STRICT}\nportLevelMtls: {8080: {mode: PERMISSIVE}}') },
  { name: 'port-level mTLS with a selector without labels', valid: false, error: 'spec.portLevelMtls: portLevelMtls requires a selector', yaml: pa('selector: {matchLabels: {}}\nportLevelMtls: {8080: {mode: DISABLE}}') },
  { name: 'an empty portLevelMtls', valid: false, error: 'spec.portLevelMtls: portLevelMtls, when set, must have at least one port', yaml: pa('selector: {matchLabels: {app: a}}\nportLevelMtls: {}') },
  { name: 'port 0', valid: false, error: 'spec.portLevelMtls["0"]: port "0" must be a number in the range 1..65535', yaml: pa('selector: {matchLabels: {app: a}}\nportLevelMtls: {0: {mode: DISABLE}}') },
  { name: 'port above 65535', valid: false, error: 'spec.portLevelMtls["65536"]', yaml: pa('selector: {matchLabels: {app: a}}\nportLevelMtls: {65536: {mode: DISABLE}}') },
  { name: 'a named port', valid: false, error: 'spec.portLevelMtls.http: port "http" must be a number', yaml: pa('selector: {matchLabels: {app: a}}\nportLevelMtls: {http: {mode: DISABLE}}') },
  { name: 'a wildcard selector value', valid: false, error: 'spec.selector.matchLabels.app: wildcard not allowed', yaml: pa('selector: {matchLabels: {app: "*"}}\nmtls: {mode: STRICT}') },
  { name: 'an empty selector warns', valid: true, warning: 'spec.selector: workload selector specified without labels', yaml: pa('selector: {}\nmtls: {mode: STRICT}') },
  { name: 'targetRef is not a PeerAuthentication field', valid: false, error: 'spec.targetRef: unknown field "targetRef"', yaml: pa('targetRef: {kind: Service, name: a}') },
  { name: 'the dry-run annotation is rejected', valid: false, error: 'istio.io/dry-run annotation is only supported on AuthorizationPolicy', yaml: pa('mtls: {mode: STRICT}').replace('namespace: shop}', 'namespace: shop, annotations: {"istio.io/dry-run": "true"}}') },
]);
