import { runValidationCases } from './testing/validation-cases.js';

runValidationCases('envelope and metadata', [
  { name: 'a known kind at a served version', valid: true, yaml: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: default}\nspec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}' },
  { name: 'an unknown kind', valid: false, error: 'kind: unknown kind "Frobnicator"', yaml: 'apiVersion: networking.istio.io/v1\nkind: Frobnicator\nmetadata: {name: a}\nspec: {}' },
  { name: 'a known kind at an unserved version', valid: false, error: /apiVersion: EnvoyFilter is not served at version "v1"/, yaml: 'apiVersion: networking.istio.io/v1\nkind: EnvoyFilter\nmetadata: {name: a}\nspec: {}' },
  { name: 'a known kind in the wrong group', valid: false, error: /apiVersion: Gateway is not served in group "security.istio.io"/, yaml: 'apiVersion: security.istio.io/v1\nkind: Gateway\nmetadata: {name: a}\nspec: {}' },
  { name: 'missing apiVersion', valid: false, error: 'apiVersion: apiVersion is required', yaml: 'kind: Gateway\nmetadata: {name: a}\nspec: {}' },
  { name: 'missing name', valid: false, error: 'metadata.name: metadata.name is required', yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {namespace: x}\nspec: {}' },
  { name: 'an uppercase name', valid: false, error: 'metadata.name: invalid name', yaml: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: Bad}\nspec: {}' },
  { name: 'a bad namespace', valid: false, error: 'metadata.namespace: invalid namespace', yaml: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a, namespace: a.b}\nspec: {}' },
  { name: 'a bad label value', valid: false, error: 'metadata.labels.app: invalid label value', yaml: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a, labels: {app: "has space"}}\nspec: {}' },
  { name: 'an unknown top-level field', valid: false, error: 'specs: unknown field "specs"', yaml: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a}\nspecs: {}' },
  { name: 'the dry-run annotation on a routing kind', valid: false, error: 'the istio.io/dry-run annotation is only supported on AuthorizationPolicy, not on DestinationRule', yaml: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: cart, namespace: shop, annotations: {"istio.io/dry-run": "false"}}\nspec: {host: cart}' },
  { name: 'the dry-run annotation on a Sidecar', valid: false, error: 'not on Sidecar', yaml: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a, annotations: {"istio.io/dry-run": "true"}}\nspec: {egress: [{hosts: ["./*"]}]}' },
  { name: 'the webhook-always-reject annotation', valid: false, error: 'makes Istio reject the object', yaml: 'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: vm-1, annotations: {"internal.istio.io/webhook-always-reject": "yes"}}\nspec: {address: 198.18.4.4}' },
  { name: 'Istio annotations mean nothing on core kinds', valid: true, yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: cart, annotations: {"istio.io/dry-run": "true", "internal.istio.io/webhook-always-reject": "x"}}\nspec: {ports: [{port: 8080}]}' },
  { name: 'a status block is allowed', valid: true, yaml: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a}\nspec: {egress: [{hosts: ["./*"]}]}\nstatus: {observedGeneration: 1}' },
]);
