import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AdsStreamBase, type AdsTypeState } from './ads-stream-base.js';
import { generateResources } from './generate.js';
import type { ProtoObject } from './protos.js';
import { setVersion } from './resource-version.js';
import type { StreamHost } from './stream-host.js';
import { SHORT_TYPE, STATE_OF_THE_WORLD_FULL } from './type-urls.js';

interface SotwTypeState extends AdsTypeState {
  /** Requested names; undefined = wildcard. */
  names: readonly string[] | undefined;
  sentNames: string;
}

function namesKey(names: readonly string[] | undefined): string {
  return names === undefined ? '*' : [...names].sort().join('\n');
}

/**
 * One state-of-the-world ADS stream (StreamAggregatedResources). Every response carries the
 * full set for its type; nonces tie ACKs and NACKs to responses. A NACK is recorded and
 * not answered: the same config would only be rejected again. A request whose names
 * changed is always answered, even when the version did not move.
 */
export class SotwStream extends AdsStreamBase<SotwTypeState> {
  constructor(host: StreamHost, call: ServerDuplexStream<ProtoObject, ProtoObject>) {
    super(host, call, 'sotw');
  }

  protected override onTypeRequest(typeUrl: string, req: ProtoObject): void {
    const requested = (req.resource_names as string[] | undefined) ?? [];
    // Empty names mean "everything" only for LDS and CDS; `*` is an explicit wildcard.
    const names = requested.includes('*') || (requested.length === 0 && STATE_OF_THE_WORLD_FULL.has(typeUrl)) ? undefined : requested;
    const nonce = String(req.response_nonce ?? '');
    let st = this.types.get(typeUrl);
    if (nonce !== '' && st) {
      if (nonce !== st.nonce) {
        // A reply to an older response; the one to the latest will follow.
        this.host.log.debug({ conn: this.id, type: SHORT_TYPE[typeUrl], nonce }, 'stale nonce ignored');
        return;
      }
      const err = this.nackDetail(req);
      if (err) {
        st.names = names;
        this.recordNack(typeUrl, st, nonce, err, st.sentVersion, String(req.version_info ?? ''));
        return;
      }
      this.recordAck(st, String(req.version_info ?? ''), nonce);
      if (namesKey(names) === st.sentNames) return;
      st.names = names;
      this.send(typeUrl, st, true);
      return;
    }
    // First request for this type on this stream (a reconnect may carry an old version).
    st ??= { names, sentVersion: '', sentNames: '', nonce: '', ackedVersion: String(req.version_info ?? ''), ackedNonce: '' };
    st.names = names;
    this.types.set(typeUrl, st);
    this.send(typeUrl, st, true);
  }

  protected override pushType(typeUrl: string, st: SotwTypeState): void {
    this.send(typeUrl, st, false);
  }

  protected override subscribedNames(st: SotwTypeState): string[] {
    return st.names === undefined ? ['*'] : [...st.names];
  }

  private send(typeUrl: string, st: SotwTypeState, force: boolean): void {
    if (!this.proxy || this.closed) return;
    // An empty RDS/EDS subscription asks for nothing.
    if (st.names !== undefined && st.names.length === 0 && !force) return;
    const push = this.host.pushContext();
    const resources = st.names !== undefined && st.names.length === 0 ? [] : generateResources(this.host.log, push, this.proxy, typeUrl, st.names);
    if (!resources) return;
    const version = setVersion(resources);
    const key = namesKey(st.names);
    if (!force && version === st.sentVersion && key === st.sentNames) return;
    st.sentNames = key;
    const nonce = this.stampSent(st, version);
    this.call.write({
      version_info: version,
      resources: resources.map((r) => r.resource),
      type_url: typeUrl,
      nonce,
      control_plane: { identifier: 'plexus' },
    });
    this.host.log.debug({ conn: this.id, type: SHORT_TYPE[typeUrl], version, nonce, count: resources.length }, 'sent');
  }
}
