import { runValidationCases } from '../../testing/validation-cases.js';

runValidationCases('analysis-only kinds (Pod, Deployment) and Secret', [
  { name: 'a Pod with any spec', valid: true, yaml: 'apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: app, image: web:1}]}\nstatus: {podIP: 198.18.0.4}' },
  { name: 'a Pod with a bad label', valid: false, error: 'metadata.labels.app: invalid label value', yaml: 'apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, labels: {app: "a b"}}\nspec: {}' },
  { name: 'a Deployment', valid: true, yaml: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 2, template: {metadata: {labels: {app: web}}}}' },
  { name: 'a Deployment in the wrong group', valid: false, error: 'apiVersion: Deployment is not served in group ""', yaml: 'apiVersion: v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}' },
  // Secrets are validated in full now (src/api/kinds/secret/validate.test.ts): PEM that does not parse is refused.
  { name: 'a TLS Secret whose values are not PEM', valid: false, error: 'data["tls.crt"]: not a PEM certificate', yaml: 'apiVersion: v1\nkind: Secret\nmetadata: {name: gw-cert, namespace: istio-system}\ntype: kubernetes.io/tls\ndata: {tls.crt: Y2VydA==, tls.key: a2V5}' },
  { name: 'a Secret with an unknown top-level field', valid: false, error: 'datas: unknown field "datas"', yaml: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndatas: {}' },
]);
