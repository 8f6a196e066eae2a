import type { ProtoJson } from './proto-root.js';
import { jsonToStruct, type JsonValue } from './struct-json.js';

/** Who the proxy is, in Istio's terms; becomes the xDS `node`. */
export interface NodeIdentity {
  /** `sidecar` for workloads, `router` for gateways. */
  readonly type: 'sidecar' | 'router';
  /** The workload's primary IP (second part of the node id). */
  readonly ip: string;
  readonly podName: string;
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  /** Defaults to the pod name. */
  readonly workloadName?: string;
  /** Every IP of the workload; defaults to `[ip]`. */
  readonly instanceIps?: readonly string[];
  /** Istio's default is `Kubernetes`. */
  readonly clusterId?: string;
  readonly meshId?: string;
  /** Defaults to `cluster.local`. */
  readonly domainSuffix?: string;
  /** More metadata keys (e.g. `AUTO_REGISTER_GROUP`); they override the standard ones. */
  readonly extraMetadata?: Readonly<Record<string, JsonValue>>;
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly subZone?: string };
}

/** Version string the proxy reports as `user_agent_version`. */
export const PLEXUS_PROXY_VERSION = '0.1.0';

/** `<type>~<ip>~<pod>.<ns>~<ns>.svc.<domain>`, Istio's node id. */
export function nodeId(n: NodeIdentity): string {
  return `${n.type}~${n.ip}~${n.podName}.${n.namespace}~${n.namespace}.svc.${n.domainSuffix ?? 'cluster.local'}`;
}

/** The metadata Istio's agent sends, as plain JSON. */
export function nodeMetadata(n: NodeIdentity): Record<string, JsonValue> {
  const meta: Record<string, JsonValue> = {
    NAMESPACE: n.namespace,
    LABELS: { ...(n.labels ?? {}) },
    SERVICE_ACCOUNT: n.serviceAccount ?? 'default',
    WORKLOAD_NAME: n.workloadName ?? n.podName,
    // Istio sends the IPs comma-separated in one string.
    INSTANCE_IPS: (n.instanceIps ?? [n.ip]).join(','),
    CLUSTER_ID: n.clusterId ?? 'Kubernetes',
    NAME: n.podName,
  };
  if (n.meshId) meta.MESH_ID = n.meshId;
  return { ...meta, ...(n.extraMetadata ?? {}) };
}

/** The `config.core.v3.Node` message, ready to encode. */
export function buildNode(n: NodeIdentity): ProtoJson {
  return {
    id: nodeId(n),
    cluster: `${n.workloadName ?? n.podName}.${n.namespace}`,
    metadata: jsonToStruct(nodeMetadata(n)),
    // Present even when empty: proxyless peers and Istio expect the field.
    locality: {
      ...(n.locality?.region ? { region: n.locality.region } : {}),
      ...(n.locality?.zone ? { zone: n.locality.zone } : {}),
      ...(n.locality?.subZone ? { sub_zone: n.locality.subZone } : {}),
    },
    user_agent_name: 'plexus-proxy',
    user_agent_version: PLEXUS_PROXY_VERSION,
  };
}
