import type { ResourceEntry } from './entry.js';
import type { MeshView } from './mesh.js';

/**
 * The ingress gateway istioctl assumes in files-only analysis (a pod labelled
 * `istio: ingressgateway` and its Service in the Istio namespace), so that Gateways selecting
 * it are not reported. Nothing is assumed when the mesh turns the ingress controller off.
 */
export function defaultEntries(mesh: MeshView, istioNamespace: string): ResourceEntry[] {
  if (mesh.ingressControllerMode === 'OFF') return [];
  const labels = { istio: 'ingressgateway' };
  const pod: ResourceEntry = {
    kind: 'Pod', group: '', version: 'v1', name: `${mesh.ingressService}-dummypod`, namespace: istioNamespace,
    resource: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${mesh.ingressService}-dummypod`, namespace: istioNamespace, labels }, spec: { containers: [{ name: 'istio-proxy' }] } },
    spec: { containers: [{ name: 'istio-proxy' }] }, labels, annotations: {}, synthetic: true,
  };
  const ports = [
    { name: 'http2', port: 80, protocol: 'TCP', targetPort: 80 },
    { name: 'https', port: 443, protocol: 'TCP', targetPort: 443 },
    { name: 'tcp', port: 31400, protocol: 'TCP', targetPort: 31400 },
    { name: 'tls', port: 15443, protocol: 'TCP', targetPort: 15443 },
  ];
  const svcSpec = { ports, selector: labels };
  const svc: ResourceEntry = {
    kind: 'Service', group: '', version: 'v1', name: mesh.ingressService, namespace: istioNamespace,
    resource: { apiVersion: 'v1', kind: 'Service', metadata: { name: mesh.ingressService, namespace: istioNamespace }, spec: svcSpec },
    spec: svcSpec, labels: {}, annotations: {}, synthetic: true,
  };
  return [pod, svc];
}
