import { DEFAULT_DOMAIN_SUFFIX } from '../registry/hostname.js';
import { structToJson, type JsonValue } from './struct.js';

/** Which family of generators builds this proxy's config (node metadata `GENERATOR`). */
export type GeneratorKind = 'grpc' | 'sidecar';

/** A connected proxy's identity, parsed once from the first request's `node`. */
export interface ProxyInfo {
  /** Node id, e.g. `sidecar~198.18.0.5~reviews-v1.default~default.svc.cluster.local`. */
  readonly id: string;
  /** First part of the node id: `sidecar`, `router`… */
  readonly type: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly workloadName: string;
  readonly ipAddresses: readonly string[];
  readonly clusterId: string;
  readonly meshId?: string;
  readonly generator: GeneratorKind;
  /** `<namespace>.svc.<domain>`: where short names resolve. */
  readonly dnsDomain: string;
  readonly locality: { readonly region: string; readonly zone: string; readonly sub_zone: string };
  /** Client's user agent (`grpc-node-js`, `envoy`) and version, for status output. */
  readonly userAgent: string;
  /** Every metadata key, as JSON. */
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /**
   * True when the stream's mesh client certificate proved this namespace and service account
   * (15012, the port's authorizer binds node to certificate); absent on plaintext streams, whose
   * node claims are only claims.
   */
  readonly verified?: true;
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function labelsOf(v: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  }
  return out;
}

/**
 * Reads Istio's node conventions: metadata keys NAMESPACE, LABELS, SERVICE_ACCOUNT,
 * WORKLOAD_NAME, INSTANCE_IPS, CLUSTER_ID, MESH_ID, GENERATOR; where metadata is silent,
 * the node id `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>` fills in.
 */
export function parseNode(node: Record<string, unknown> | null | undefined, domainSuffix = DEFAULT_DOMAIN_SUFFIX): ProxyInfo {
  const id = typeof node?.id === 'string' ? node.id : '';
  const metadata = structToJson(node?.metadata);
  const parts = id.split('~');
  const [type = 'sidecar', ip = '', podDotNs = ''] = parts;
  const dot = podDotNs.lastIndexOf('.');
  const idPod = dot > 0 ? podDotNs.slice(0, dot) : podDotNs;
  const idNs = dot > 0 ? podDotNs.slice(dot + 1) : undefined;
  const namespace = str(metadata.NAMESPACE) ?? idNs ?? 'default';
  const ips = (str(metadata.INSTANCE_IPS) ?? ip).split(',').map((s) => s.trim()).filter(Boolean);
  const generator: GeneratorKind = str(metadata.GENERATOR) === 'grpc' ? 'grpc' : 'sidecar';
  const loc = (node?.locality ?? {}) as Record<string, unknown>;
  const userAgent = [node?.user_agent_name, (node?.user_agent_version as string | undefined) ?? ''].filter((s) => typeof s === 'string' && s !== '').join('/');
  return Object.freeze({
    id,
    type,
    namespace,
    labels: Object.freeze(labelsOf(metadata.LABELS)),
    serviceAccount: str(metadata.SERVICE_ACCOUNT) ?? 'default',
    workloadName: str(metadata.WORKLOAD_NAME) ?? idPod,
    ipAddresses: Object.freeze(ips),
    clusterId: str(metadata.CLUSTER_ID) ?? 'Kubernetes',
    meshId: str(metadata.MESH_ID),
    generator,
    dnsDomain: `${namespace}.svc.${domainSuffix}`,
    locality: Object.freeze({ region: String(loc.region ?? ''), zone: String(loc.zone ?? ''), sub_zone: String(loc.sub_zone ?? '') }),
    userAgent,
    metadata: Object.freeze(metadata),
  });
}

/** The same proxy, marked as proven by its stream's client certificate. */
export function markVerified(proxy: ProxyInfo): ProxyInfo {
  return Object.freeze({ ...proxy, verified: true as const });
}
