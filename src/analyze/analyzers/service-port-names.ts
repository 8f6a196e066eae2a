import type { Analyzer } from '../analyzer.js';
import type { ResourceEntry } from '../entry.js';
import { arr, num, obj, str } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

/** Protocol names Istio recognizes as a port name prefix or appProtocol. */
const PROTOCOLS = new Set(['http', 'http2', 'https', 'grpc', 'grpc-web', 'http_proxy', 'tcp', 'tls', 'udp', 'mongo', 'mysql', 'redis']);

/** Kubernetes' standard appProtocol names Istio maps to a protocol. */
const K8S_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss']);

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/** True when Istio can tell the port's protocol from its protocol, appProtocol or name. */
export function portProtocolKnown(port: Record<string, unknown>): boolean {
  if ((str(port.protocol) ?? '').toUpperCase() === 'UDP') return true;
  const appProtocol = str(port.appProtocol);
  let name = (appProtocol ?? str(port.name) ?? '').toLowerCase();
  if (appProtocol !== undefined && K8S_APP_PROTOCOLS.has(name)) return true;
  if (name.startsWith('grpc-web')) return true;
  const dash = name.indexOf('-');
  if (dash >= 0) name = name.slice(0, dash);
  return PROTOCOLS.has(name);
}

function isControlPlane(e: ResourceEntry): boolean {
  return e.labels.istio !== undefined || e.labels.release === 'istio';
}

/**
 * IST0118 for Service ports whose protocol Istio cannot tell from the name
 * (`<protocol>[-<suffix>]`) or appProtocol; IST0150 instead for ExternalName services.
 */
export const portNameAnalyzer: Analyzer = {
  name: 'service.PortNameAnalyzer',
  description: 'Checks the port names associated with each service',
  analyze(ctx) {
    for (const svc of ctx.list('Service')) {
      if (SYSTEM_NAMESPACES.has(svc.namespace) || isControlPlane(svc)) continue;
      const externalName = str(svc.spec.type) === 'ExternalName';
      arr(svc.spec.ports).forEach((p, i) => {
        const port = obj(p);
        if (!port) return;
        const name = str(port.name) ?? '';
        if (portProtocolKnown(port) && !(externalName && name === 'tcp')) return;
        const path = `spec.ports[${i}]`;
        if (externalName) {
          ctx.report(newMessage(MESSAGE_TYPES.ExternalNameServiceTypeInvalidPortName, svc, path));
          return;
        }
        const target = port.targetPort === undefined ? String(num(port.port) ?? '') : String(port.targetPort);
        ctx.report(newMessage(MESSAGE_TYPES.PortNameIsNotUnderNamingConvention, svc, path, name, num(port.port) ?? 0, target));
      });
    }
  },
};
