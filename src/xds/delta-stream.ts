import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AdsStreamBase, type AdsTypeState } from './ads-stream-base.js';
import { generateResources, type VersionedResource } from './generate.js';
import type { ProtoObject } from './protos.js';
import { setVersion } from './resource-version.js';
import type { StreamHost } from './stream-host.js';
import { SHORT_TYPE, STATE_OF_THE_WORLD_FULL } from './type-urls.js';

interface DeltaTypeState extends AdsTypeState {
  wildcard: boolean;
  subscribed: Set<string>;
  /** What the client holds: name → version (from initial_resource_versions, then what we sent). */
  known: Map<string, string>;
  /** Nonce → system version of responses not yet answered. */
  inflight: Map<string, string>;
}

/**
 * One incremental ADS stream (DeltaAggregatedResources). Clients subscribe and unsubscribe
 * by name (`*` for wildcard; LDS and CDS start as wildcard when the first request names
 * nothing); responses carry only resources whose version the client does not hold, and
 * `removed_resources` for those that went away. On reconnect `initial_resource_versions`
 * seeds what the client holds, so only what changed is sent again.
 */
export class DeltaStream extends AdsStreamBase<DeltaTypeState> {
  constructor(host: StreamHost, call: ServerDuplexStream<ProtoObject, ProtoObject>) {
    super(host, call, 'delta');
  }

  protected override onTypeRequest(typeUrl: string, req: ProtoObject): void {
    const subscribe = (req.resource_names_subscribe as string[] | undefined) ?? [];
    const unsubscribe = (req.resource_names_unsubscribe as string[] | undefined) ?? [];
    let st = this.types.get(typeUrl);
    const first = st === undefined;
    if (!st) {
      const initial = (req.initial_resource_versions as Record<string, string> | undefined) ?? {};
      st = {
        wildcard: subscribe.length === 0 && STATE_OF_THE_WORLD_FULL.has(typeUrl),
        subscribed: new Set(),
        known: new Map(Object.entries(initial)),
        inflight: new Map(),
        sentVersion: '', nonce: '', ackedVersion: '', ackedNonce: '',
      };
      this.types.set(typeUrl, st);
    }
    const nonce = String(req.response_nonce ?? '');
    if (nonce !== '') {
      const version = st.inflight.get(nonce);
      st.inflight.delete(nonce);
      const err = this.nackDetail(req);
      if (err) this.recordNack(typeUrl, st, nonce, err, version ?? '', '');
      else if (version !== undefined) this.recordAck(st, version, nonce);
    }
    const added: string[] = [];
    for (const name of subscribe) {
      if (name === '*') st.wildcard = true;
      else if (!st.subscribed.has(name)) {
        st.subscribed.add(name);
        added.push(name);
      }
    }
    for (const name of unsubscribe) {
      if (name === '*') st.wildcard = false;
      else {
        st.subscribed.delete(name);
        st.known.delete(name);
      }
    }
    // A pure ACK or NACK needs no answer; new subscriptions and the first request do.
    if (first || added.length > 0 || subscribe.includes('*')) this.respond(typeUrl, st, first, added);
  }

  protected override pushType(typeUrl: string, st: DeltaTypeState): void {
    this.respond(typeUrl, st, false, []);
  }

  protected override subscribedNames(st: DeltaTypeState): string[] {
    return [...(st.wildcard ? ['*'] : []), ...[...st.subscribed].sort()];
  }

  private generate(typeUrl: string, st: DeltaTypeState): VersionedResource[] | undefined {
    const push = this.host.pushContext();
    const proxy = this.proxy!;
    const log = this.host.log;
    if (!st.wildcard) return st.subscribed.size === 0 ? [] : generateResources(log, push, proxy, typeUrl, [...st.subscribed]);
    const all = generateResources(log, push, proxy, typeUrl, undefined);
    if (!all) return undefined;
    const have = new Set(all.map((r) => r.name));
    const extra = [...st.subscribed].filter((n) => !have.has(n));
    if (extra.length === 0) return all;
    const more = generateResources(log, push, proxy, typeUrl, extra);
    return more ? [...all, ...more] : undefined;
  }

  private respond(typeUrl: string, st: DeltaTypeState, mustRespond: boolean, newlySubscribed: readonly string[]): void {
    if (!this.proxy || this.closed) return;
    const resources = this.generate(typeUrl, st);
    if (!resources) return;
    const current = new Map(resources.map((r) => [r.name, r]));
    const changed = resources.filter((r) => st.known.get(r.name) !== r.version);
    const removed = [...st.known.keys()].filter((n) => !current.has(n));
    // A name asked for that does not exist is reported as removed, so the client stops waiting.
    for (const n of newlySubscribed) if (!current.has(n) && !removed.includes(n)) removed.push(n);
    if (!mustRespond && changed.length === 0 && removed.length === 0) return;
    for (const r of changed) st.known.set(r.name, r.version);
    for (const n of removed) st.known.delete(n);
    const version = setVersion(resources);
    const nonce = this.stampSent(st, version);
    st.inflight.set(nonce, version);
    this.call.write({
      system_version_info: version,
      resources: changed.map((r) => ({ name: r.name, version: r.version, resource: r.resource })),
      removed_resources: removed,
      type_url: typeUrl,
      nonce,
      control_plane: { identifier: 'plexus' },
    });
    this.host.log.debug({ conn: this.id, type: SHORT_TYPE[typeUrl], nonce, changed: changed.length, removed: removed.length }, 'sent delta');
  }
}
