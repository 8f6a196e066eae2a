import type { Resource } from '../../src/api/resource.js';

/** Builders for the Istio and core objects the xDS tests apply. */
const NET = 'networking.istio.io/v1';

export function service(name: string, namespace: string, selector: Record<string, string>, ports: Array<{ name: string; port: number; targetPort?: number }>): Resource {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports } };
}

export function workloadEntry(name: string, namespace: string, address: string, labels: Record<string, string>, ports: Record<string, number>): Resource {
  return { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name, namespace }, spec: { address, labels, ports } };
}

export function destinationRule(name: string, namespace: string, host: string, subsets: Array<{ name: string; labels: Record<string, string>; trafficPolicy?: unknown }>): Resource {
  return { apiVersion: NET, kind: 'DestinationRule', metadata: { name, namespace }, spec: { host, subsets } };
}

export function virtualService(name: string, namespace: string, hosts: string[], http: unknown[]): Resource {
  return { apiVersion: NET, kind: 'VirtualService', metadata: { name, namespace }, spec: { hosts, http } };
}
