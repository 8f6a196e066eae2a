import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Server } from '@grpc/grpc-js';
import type { MeshConfig } from '../api/kinds/mesh-config/index.js';
import type { ResourceId } from '../config/store.js';
import { PlexusError } from '../api/errors.js';
import { CaAdmission } from '../ca/ca-admission.js';
import { CaMetrics } from '../ca/ca-metrics.js';
import { addCaService } from '../ca/ca-service.js';
import { createCaServerCredentials, type CaServerCredentials } from '../ca/ca-server-credentials.js';
import { CertificateAuthority } from '../ca/certificate-authority.js';
import { joinPem, splitPemCertificates } from '../ca/pem.js';
import { spiffeUri } from '../ca/spiffe-id.js';
import { parseDuration } from '../xds/duration.js';
import { permissionDenied, unauthenticated, type StreamAuthorizer } from '../xds/stream-authorizer.js';
import type { ControllerComponent, ControllerContext } from './controller-runtime.js';
import type { XdsComponentOptions } from './controller-xds.js';

/** DNS names every controller serving certificate carries: Plexus's, istiod's service name (so Istio bootstraps that dial it verify), loopback. */
export const CONTROLLER_TLS_DNS_NAMES = ['plexus-controller', 'istiod.istio-system.svc', 'localhost'] as const;

/** How often the trust bundle is re-read, so a root rotation's activation and expiry reach proxies without a config change. */
const BUNDLE_CHECK_MS = 60_000;

/** The mesh identity part of a running controller, shared by the identity and xDS components. */
export interface ControllerIdentity {
  /** Starts first: opens the CA, issues the 15012 certificate, adds `POST /v1/tokens`. */
  readonly component: ControllerComponent;
  /** What the xDS component needs from it: the CA services, 15012's credentials and rules, the trust bundle, metrics. */
  readonly xdsSeams: XdsComponentOptions;
}

/** The parsed body of `POST /v1/tokens`. */
interface TokenRequest {
  namespace: string;
  serviceAccount: string;
  ttl?: number;
  /** The WorkloadEntry (in `namespace`) the token is for; revoked with it. */
  workload?: string;
}

const workloadEntryId = (namespace: string, name: string): ResourceId => ({ group: 'networking.istio.io', kind: 'WorkloadEntry', namespace, name });

function parseTokenRequest(body: unknown): TokenRequest {
  const b = body as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null) throw new PlexusError('PLEXUS_ERR_PARSE', 'the body must be a JSON object {namespace, serviceAccount, ttl?}');
  const { namespace, serviceAccount, ttl, workload } = b;
  if (typeof namespace !== 'string' || namespace === '') throw new PlexusError('PLEXUS_ERR_USAGE', 'namespace must be a non-empty string');
  if (typeof serviceAccount !== 'string' || serviceAccount === '') throw new PlexusError('PLEXUS_ERR_USAGE', 'serviceAccount must be a non-empty string');
  if (workload !== undefined && (typeof workload !== 'string' || workload === '')) throw new PlexusError('PLEXUS_ERR_USAGE', 'workload must be the name of a WorkloadEntry');
  const bound = workload === undefined ? {} : { workload };
  if (ttl === undefined) return { namespace, serviceAccount, ...bound };
  // Seconds, or a duration as the CLI takes it ("30m").
  const d = typeof ttl === 'string' ? parseDuration(ttl) : undefined;
  const seconds = typeof ttl === 'number' ? ttl : d ? d.seconds + d.nanos / 1e9 : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new PlexusError('PLEXUS_ERR_USAGE', `ttl must be a positive number of seconds or a duration such as 1h, not ${JSON.stringify(ttl)}`);
  return { namespace, serviceAccount, ttl: seconds, ...bound };
}

/** Every root a workload should trust: the CA's bundle, then MeshConfig `caCertificates[].pem` trust anchors. */
export function meshTrustBundle(ca: CertificateAuthority, mesh: MeshConfig): string {
  // MeshConfig's type does not model caCertificates yet (the schema validates it): read it loosely.
  const anchors = (mesh as { caCertificates?: unknown }).caCertificates;
  const extra = (Array.isArray(anchors) ? anchors : []).flatMap((c: { pem?: unknown }) => (typeof c?.pem === 'string' ? splitPemCertificates(c.pem) : []));
  const all = [...splitPemCertificates(ca.trustBundlePem()), ...extra].map((p) => `${p.trim()}\n`);
  return joinPem([...new Set(all)]);
}

/**
 * The rule of the TLS xDS port: a stream needs a client certificate issued by the mesh CA, and
 * the node it describes must be the workload that certificate names — same namespace (in the
 * metadata and in the node id) and same service account — so that a proxy cannot subscribe to
 * another workload's configuration or secrets.
 */
export function meshCertificateAuthorizer(ca: CertificateAuthority): StreamAuthorizer {
  return ({ peerCertificateDer, proxy }) => {
    if (!peerCertificateDer) return unauthenticated('xDS on this port requires a client certificate issued by the mesh CA');
    let identity;
    try {
      identity = ca.identityFromPeerCertificate(peerCertificateDer);
    } catch (err) {
      return unauthenticated(`the client certificate is not acceptable: ${(err as Error).message}`);
    }
    if (!proxy) return undefined;
    const idNamespace = /\.([^.~]+)$/.exec(proxy.id.split('~')[2] ?? '')?.[1];
    const claims = [
      ['namespace', proxy.namespace, identity.namespace],
      ['node id namespace', idNamespace ?? identity.namespace, identity.namespace],
      ['service account', proxy.serviceAccount, identity.serviceAccount],
    ] as const;
    const wrong = claims.find(([, claimed, proven]) => claimed !== proven);
    if (wrong) return permissionDenied(`node ${proxy.id} claims ${wrong[0]} ${JSON.stringify(wrong[1])} but its certificate is ${spiffeUri(identity)}`);
    return undefined;
  };
}

/**
 * Builds the identity part of `plexus controller`: the mesh CA (self-made root in
 * `<home>/ca`, or `--cacerts`), the CSR service on 15010 (tokens) and 15012 (tokens or a
 * still-valid mesh certificate), the controller's own 15012 certificate (renewed at half-life),
 * xDS on 15012 bound to the client certificate's identity, `ROOTCA` in every push context,
 * CA metrics, and token minting on the admin API.
 */
export function controllerIdentity(): ControllerIdentity {
  const state: { ca?: CertificateAuthority; tls?: CaServerCredentials; requestPush?: (reason: string) => void } = {};
  const metrics = new CaMetrics();
  const caOf = (): CertificateAuthority => {
    if (!state.ca) throw new PlexusError('PLEXUS_ERR_INTERNAL', 'the identity component must start before the xDS component');
    return state.ca;
  };
  // One admission for both ports: CSRs are authenticated on their headers, and bounded in number.
  let admission: CaAdmission | undefined;

  const component: ControllerComponent = {
    name: 'identity',
    async start(ctx: ControllerContext) {
      const { options, logger } = ctx;
      const id = options.identity ?? {};
      let extraRootsPem: string | undefined;
      if (id.extraRootsFile) {
        try {
          extraRootsPem = readFileSync(id.extraRootsFile, 'utf8');
        } catch (err) {
          throw new PlexusError('PLEXUS_ERR_IO', `cannot read --extra-roots ${id.extraRootsFile}: ${(err as Error).message}`, { cause: err });
        }
        if (splitPemCertificates(extraRootsPem).length === 0) throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `--extra-roots ${id.extraRootsFile} holds no PEM certificate`);
      }
      const ca = await CertificateAuthority.open({
        home: options.home, cacertsDir: id.cacertsDir, trustDomain: id.trustDomain, keyAlgorithm: id.keyAlgorithm,
        workloadCertTtl: id.workloadCertTtlSeconds, extraRootsPem, logger: logger.child({ part: 'ca' }),
      });
      state.ca = ca;
      admission = new CaAdmission({ ca: caOf, metrics, logger: logger.child({ part: 'ca-admission' }) });
      const sans = [...CONTROLLER_TLS_DNS_NAMES, ...(id.tlsSans ?? [])];
      state.tls = await createCaServerCredentials(ca, {
        dnsNames: [...new Set(sans.filter((s) => isIP(s) === 0))],
        ipAddresses: [...new Set(['127.0.0.1', ...sans.filter((s) => isIP(s) !== 0)])],
        logger: logger.child({ part: 'tls' }),
      });
      const onBundle = (): void => state.requestPush?.('trust-bundle');
      ca.on('trust-bundle', onBundle);
      // trustBundlePem() notices promotions and expired roots and emits 'trust-bundle' then.
      const timer = setInterval(() => ca.trustBundlePem(), BUNDLE_CHECK_MS);
      timer.unref();
      const removeRoute = ctx.admin.addRoute('tokens', {
        methods: ['POST'],
        async handle({ body }) {
          const req = parseTokenRequest(body);
          const ttl = req.ttl ?? 3600;
          let workload: { name: string; uid: string } | undefined;
          if (req.workload) {
            // Bound to the entry as it exists now: deleting it (plexus down) revokes the token.
            const entry = await ctx.store.get(workloadEntryId(req.namespace, req.workload));
            if (!entry) throw new PlexusError('PLEXUS_ERR_NOT_FOUND', `WorkloadEntry ${req.namespace}/${req.workload} does not exist: register the workload before minting its token`);
            const sa = (entry.spec as { serviceAccount?: unknown } | undefined)?.serviceAccount;
            if (typeof sa === 'string' && sa !== '' && sa !== req.serviceAccount) throw new PlexusError('PLEXUS_ERR_USAGE', `WorkloadEntry ${req.namespace}/${req.workload} runs as service account ${sa}, not ${req.serviceAccount}`);
            workload = { name: req.workload, uid: String(entry.metadata.uid ?? '') };
            if (!workload.uid) throw new PlexusError('PLEXUS_ERR_INTERNAL', `WorkloadEntry ${req.namespace}/${req.workload} has no uid`);
          }
          const token = ca.mintWorkloadToken({ namespace: req.namespace, serviceAccount: req.serviceAccount, ttl, ...(workload ? { workload } : {}) });
          logger.info({ namespace: req.namespace, serviceAccount: req.serviceAccount, ttl, workload: req.workload }, 'minted a workload token');
          return { status: 200, body: { token, namespace: req.namespace, serviceAccount: req.serviceAccount, trustDomain: ca.trustDomain, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() } };
        },
      });
      logger.info({ trustDomain: ca.trustDomain, plugged: ca.isPlugged, roots: splitPemCertificates(ca.trustBundlePem()).length, tlsSans: sans }, 'mesh CA ready');
      return {
        async stop() {
          removeRoute();
          clearInterval(timer);
          ca.off('trust-bundle', onBundle);
          state.tls?.close();
        },
      };
    },
  };

  const xdsSeams: XdsComponentOptions = {
    tlsCredentials: async () => state.tls?.credentials,
    grpcServices: [(server: Server, ctx: ControllerContext, port: 'xds' | 'xds-tls') => {
      addCaService(server, caOf(), {
        allowPeerCertificate: port === 'xds-tls', metrics, logger: ctx.logger.child({ part: 'ca-service', port }),
        workloadUid: async (namespace, name) => {
          const uid = (await ctx.store.get(workloadEntryId(namespace, name)))?.metadata.uid;
          return typeof uid === 'string' ? uid : undefined;
        },
      });
    }],
    grpcInterceptors: (port) => {
      if (!admission) throw new PlexusError('PLEXUS_ERR_INTERNAL', 'the identity component must start before the xDS component');
      return [admission.interceptor(port === 'xds-tls')];
    },
    authorizeTlsStream: (c) => meshCertificateAuthorizer(caOf())(c),
    trustBundle: (mesh) => ({ pem: meshTrustBundle(caOf(), mesh), trustDomain: caOf().trustDomain }),
    metrics: () => [metrics],
    pushTrigger: (requestPush) => {
      state.requestPush = requestPush;
    },
  };
  return { component, xdsSeams };
}
