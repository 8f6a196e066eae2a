import type { Resource } from '../api/resource.js';
import { AUTO_REGISTER_GROUP_METADATA, WORKLOAD_ENTRY_METADATA } from '../registry/auto-registration/annotations.js';
import { autoRegisteredEntryName } from '../registry/auto-registration/workload-entry-from-group.js';
import type { ProxyInfo } from './proxy.js';
import type { PushContext } from './push-context.js';
import { permissionDenied, type StreamAuthorizer, type StreamRefusal } from './stream-authorizer.js';

/** Options of {@link registrationGuard}. */
export interface RegistrationGuardOptions {
  /** The port's own rule, asked first (15012: the mesh certificate bound to the node). */
  readonly authorize?: StreamAuthorizer;
  /** Whether a node `authorize` accepts has proven its namespace and service account. */
  readonly verified: boolean;
  /** The config in force, to find the WorkloadGroup or WorkloadEntry a node names. */
  readonly pushContext: () => PushContext;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function find(ctx: PushContext, kind: string, namespace: string, name: string): Resource<unknown> | undefined {
  return ctx.resources.find((r) => r.kind === kind && r.apiVersion.startsWith('networking.istio.io/') && (r.metadata.namespace ?? 'default') === namespace && r.metadata.name === name);
}

function serviceAccountOf(kind: 'WorkloadGroup' | 'WorkloadEntry', r: Resource<unknown> | undefined): string | undefined {
  const spec = r?.spec as { serviceAccount?: unknown; template?: { serviceAccount?: unknown } } | undefined;
  return text(kind === 'WorkloadGroup' ? spec?.template?.serviceAccount : spec?.serviceAccount);
}

/**
 * The registration rule of istiod's auto-registration controller, checked when a stream
 * identifies its node, so that a refused node never registers anything: a node that asks to
 * register into a WorkloadGroup (`AUTO_REGISTER_GROUP`) or to control a WorkloadEntry
 * (`WORKLOAD_ENTRY`, health reports) needs a verified identity — a mesh client certificate on
 * 15012, whose namespace the node shares — and the target's service account, when it names
 * one, must be the certificate's. As in istiod, a refusal fails the whole stream
 * (PERMISSION_DENIED); plaintext streams that do not ask to register are served as before.
 * A target not (yet) in the pushed config is left to the auto-registration controller, which
 * checks the stored object again before writing.
 */
export function registrationGuard(options: RegistrationGuardOptions): StreamAuthorizer {
  return (credentials) => {
    const refusal = options.authorize?.(credentials);
    if (refusal || !credentials.proxy) return refusal;
    return checkRegistration(credentials.proxy, options.verified, options.pushContext);
  };
}

function checkRegistration(proxy: ProxyInfo, verified: boolean, pushContext: () => PushContext): StreamRefusal | undefined {
  const group = text(proxy.metadata[AUTO_REGISTER_GROUP_METADATA]);
  const entry = group ? undefined : text(proxy.metadata[WORKLOAD_ENTRY_METADATA]);
  if (!group && !entry) return undefined;
  const what = group ? `auto-registration into WorkloadGroup ${proxy.namespace}/${group}` : `control of WorkloadEntry ${proxy.namespace}/${entry}`;
  if (!verified) {
    return permissionDenied(`${what} requires a verified identity: connect to the TLS xDS port (15012) with a mesh certificate of that namespace and service account; this port serves public config only`);
  }
  const ctx = pushContext();
  const targets: Array<['WorkloadGroup' | 'WorkloadEntry', string | undefined]> = group
    ? [['WorkloadGroup', group], ['WorkloadEntry', autoRegisteredEntryName(group, proxy)]]
    : [['WorkloadEntry', entry]];
  for (const [kind, name] of targets) {
    if (!name) continue;
    const sa = serviceAccountOf(kind, find(ctx, kind, proxy.namespace, name));
    if (sa !== undefined && sa !== proxy.serviceAccount) {
      return permissionDenied(`${what} refused: service account mismatch: the certificate is ${JSON.stringify(proxy.serviceAccount)}, ${kind} ${proxy.namespace}/${name} runs as ${JSON.stringify(sa)}`);
    }
  }
  return undefined;
}
