import { pino } from 'pino';
import { PlexusError } from '../api/errors.js';
import type { Resource } from '../api/resource.js';
import { loadPaths } from '../config/load.js';
import { DEFAULT_DOMAIN_SUFFIX } from '../registry/hostname.js';
import { buildConfigDump, type EnvoyConfigDump } from '../xds/config-dump.js';
import { resolveMeshConfig } from '../xds/mesh-config-resolver.js';
import { markVerified, parseNode, type ProxyInfo } from '../xds/proxy.js';
import { buildPushContext } from '../xds/push-context.js';
import { jsonToStruct } from '../xds/struct.js';

/** What to generate offline: the files, the workload, and how its proxy would identify itself. */
export interface OfflineRequest {
  paths: readonly string[];
  /** `namespace/name` or `name` (in `defaultNamespace`) of a WorkloadEntry or Pod. */
  workload: string;
  defaultNamespace: string;
  /** Node type: `sidecar` or `router` (gateways). */
  type: 'sidecar' | 'router';
  /** `grpc` for proxyless clients; the sidecar generators otherwise. */
  generator?: 'grpc';
}

type Meta = Record<string, unknown>;

function findWorkload(resources: readonly Resource[], namespace: string, name: string): { ip: string; labels: Record<string, string>; serviceAccount: string } {
  const match = (kind: string): Resource | undefined => resources.find((r) => r.kind === kind && r.metadata.name === name && (r.metadata.namespace ?? 'default') === namespace);
  const we = match('WorkloadEntry');
  if (we) {
    const spec = (we.spec ?? {}) as Meta;
    return { ip: String(spec.address ?? ''), labels: { ...((spec.labels as Record<string, string> | undefined) ?? {}), ...(we.metadata.labels ?? {}) }, serviceAccount: String(spec.serviceAccount || 'default') };
  }
  const pod = match('Pod');
  if (pod) {
    const spec = (pod.spec ?? {}) as Meta;
    const status = (pod.status ?? {}) as Meta;
    return { ip: String(status.podIP ?? ''), labels: { ...(pod.metadata.labels ?? {}) }, serviceAccount: String(spec.serviceAccountName || 'default') };
  }
  throw new PlexusError('PLEXUS_ERR_NOT_FOUND', `no WorkloadEntry or Pod ${namespace}/${name} in the files given`);
}

/** The node a proxy for this workload would send (Istio's id and metadata conventions). */
export function synthesizeProxy(request: OfflineRequest, namespace: string, name: string, w: { ip: string; labels: Record<string, string>; serviceAccount: string }): ProxyInfo {
  const metadata: Meta = {
    NAMESPACE: namespace, LABELS: w.labels, SERVICE_ACCOUNT: w.serviceAccount, WORKLOAD_NAME: name,
    INSTANCE_IPS: w.ip, CLUSTER_ID: 'Kubernetes',
  };
  if (request.generator) metadata.GENERATOR = request.generator;
  const id = `${request.type}~${w.ip}~${name}.${namespace}~${namespace}.svc.${DEFAULT_DOMAIN_SUFFIX}`;
  // As the proxy would be served on 15012 (its certificate proving the namespace): with its Secrets.
  return markVerified(parseNode({ id, metadata: jsonToStruct(metadata), locality: {}, user_agent_name: 'plexus-offline' }));
}

/**
 * `proxy-config --offline`: builds the registry and push context from files in-process,
 * synthesises the workload's proxy node and returns the config dump the controller would
 * send it. Syntax errors in the files are fatal; no controller is involved.
 */
export function offlineConfigDump(request: OfflineRequest): EnvoyConfigDump {
  const loaded = loadPaths(request.paths);
  const problem = loaded.problems[0];
  if (problem) throw new PlexusError('PLEXUS_ERR_PARSE', `${problem.file}:${problem.line}: ${problem.message}`);
  const resources = loaded.resources.map((r) => r.resource);
  const slash = request.workload.indexOf('/');
  const namespace = slash > 0 ? request.workload.slice(0, slash) : request.defaultNamespace;
  const name = slash > 0 ? request.workload.slice(slash + 1) : request.workload;
  const proxy = synthesizeProxy(request, namespace, name, findWorkload(resources, namespace, name));
  const mesh = resolveMeshConfig(resources);
  const push = buildPushContext({ resources, rootNamespace: mesh.rootNamespace });
  const log = pino({ name: 'proxy-config', level: process.env.PLEXUS_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  return buildConfigDump(log, push, proxy);
}
