import type { Resource } from '../api/resource.js';

/** The admin API calls the workload lifecycle needs (the CLI's AdminClient has them). */
export interface AdminApi {
  apply(items: Array<{ resource: Resource }>, dryRun: boolean): Promise<unknown>;
  delete(kind: string, name: string, namespace?: string): Promise<unknown>;
  list(kind: string, namespace?: string): Promise<{ items: Resource[] }>;
  /** `workload` binds the token to that WorkloadEntry: deleting the entry revokes it. */
  mintToken(request: { namespace: string; serviceAccount: string; ttl?: number; workload?: string }): Promise<{ token: string }>;
}

/** Marks WorkloadEntries that `plexus run` owns, so `plexus down` can remove leftovers. */
export const RUN_OWNER_ANNOTATION = 'plexus.io/registered-by';
export const RUN_OWNER = 'plexus-run';
/** Istio's injector labels mesh pods so that clients use mTLS to them (auto mTLS). */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/** What `plexus run` registers for a workload. */
export interface WorkloadEntryInput {
  readonly namespace: string;
  readonly name: string;
  readonly address: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Port name → port, where the workload listens elsewhere than the service's target port. */
  readonly ports?: Readonly<Record<string, number>>;
}

/** The WorkloadEntry of a workload started by `plexus run`, labelled for auto mTLS. */
export function workloadEntryFor(input: WorkloadEntryInput): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name: input.name, namespace: input.namespace, annotations: { [RUN_OWNER_ANNOTATION]: RUN_OWNER } },
    spec: {
      address: input.address,
      labels: { ...input.labels, [TLS_MODE_LABEL]: 'istio' },
      serviceAccount: input.serviceAccount,
      ...(input.ports && Object.keys(input.ports).length > 0 ? { ports: { ...input.ports } } : {}),
    },
  } as Resource;
}

/** Applies the WorkloadEntry through the admin API; throws on refusal. */
export async function registerWorkload(admin: AdminApi, input: WorkloadEntryInput): Promise<void> {
  await admin.apply([{ resource: workloadEntryFor(input) }], false);
}

/** Deletes the WorkloadEntry; a missing one is fine. */
export async function unregisterWorkload(admin: AdminApi, namespace: string, name: string): Promise<void> {
  try {
    await admin.delete('WorkloadEntry', name, namespace);
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
  }
}

/** Deletes every WorkloadEntry `plexus run` registered (after a crash or `kill -9`). */
export async function unregisterAllRunWorkloads(admin: AdminApi): Promise<string[]> {
  const list = await admin.list('WorkloadEntry');
  const removed: string[] = [];
  for (const we of list.items) {
    if (we.metadata.annotations?.[RUN_OWNER_ANNOTATION] !== RUN_OWNER) continue;
    await unregisterWorkload(admin, we.metadata.namespace ?? 'default', we.metadata.name);
    removed.push(`${we.metadata.namespace ?? 'default'}/${we.metadata.name}`);
  }
  return removed;
}
