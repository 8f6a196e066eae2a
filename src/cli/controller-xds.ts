import { hostname } from 'node:os';
import type { Server, ServerCredentials, ServerInterceptor } from '@grpc/grpc-js';
import type { MeshConfig } from '../api/kinds/mesh-config/index.js';
import { PlexusError } from '../api/errors.js';
import { validateResource } from '../api/validate.js';
import { loadPaths } from '../config/load.js';
import { StoreMetrics } from '../config/store-metrics.js';
import { AutoRegistrationController } from '../registry/auto-registration/auto-registration-controller.js';
import { Gauge } from '../telemetry/gauge.js';
import { ProcessMetrics } from '../telemetry/process-metrics.js';
import { AdsServer } from '../xds/ads-server.js';
import { startMonitoringServer } from '../xds/debug/monitoring-server.js';
import { resolveMeshConfig } from '../xds/mesh-config-resolver.js';
import { XdsController } from '../xds/xds-controller.js';
import { DEFAULT_SERVICE_VIP_CIDR } from '../registry/vip-allocator.js';
import { XdsMetrics } from '../xds/xds-metrics.js';
import type { StreamAuthorizer } from '../xds/stream-authorizer.js';
import type { MetricSource } from '../telemetry/prometheus-text.js';
import type { ControllerComponent, ControllerContext } from './controller-runtime.js';

/** Seams for the parts of the xDS component that other issues supply. */
export interface XdsComponentOptions {
  /**
   * Serving credentials for 15012 (xDS and CA over TLS, client certificates from the mesh
   * CA); without them 15012 is not opened.
   */
  tlsCredentials?: (ctx: ControllerContext) => Promise<ServerCredentials | undefined>;
  /**
   * Adds services (the CA's IstioCertificateService) to the gRPC servers that serve xDS: called
   * once for the plaintext port (`xds`) and once for the TLS port (`xds-tls`) when it opens.
   */
  grpcServices?: ReadonlyArray<(server: Server, ctx: ControllerContext, port: 'xds' | 'xds-tls') => void | Promise<void>>;
  /** gRPC server interceptors per port (the CA's admission: authentication before a request is read). */
  grpcInterceptors?: (port: 'xds' | 'xds-tls') => ServerInterceptor[];
  /** Who may hold an ADS stream on 15012 and for which node (the mesh certificate's identity). */
  authorizeTlsStream?: StreamAuthorizer;
  /** The trust bundle (`ROOTCA`) and trust domain for a push, given the MeshConfig in force. */
  trustBundle?: (mesh: MeshConfig) => { pem: string; trustDomain: string } | undefined;
  /** More metric families for 15014 `/metrics` (the CA's). */
  metrics?: () => MetricSource[];
  /** Receives a function that asks for a full push (a trust bundle change). */
  pushTrigger?: (requestPush: (reason: string) => void) => void;
}

/** What the name of this controller is in status output and WorkloadEntry annotations. */
export function controllerInstanceId(): string {
  return `plexus-${hostname()}`;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Reads `--mesh-config FILE`: a bare MeshConfig or Istio's `istio` ConfigMap; invalid is fatal. */
export function readMeshConfigFile(file: string): MeshConfig {
  const loaded = loadPaths([file]);
  const problem = loaded.problems[0];
  if (problem) throw new PlexusError('PLEXUS_ERR_PARSE', `${problem.file}:${problem.line}: ${problem.message}`);
  const mesh = loaded.resources.find((r) => r.resource.kind === 'MeshConfig');
  if (!mesh) throw new PlexusError('PLEXUS_ERR_INVALID_CONFIG', `${file} holds no MeshConfig (a bare mesh config, or the istio ConfigMap with a mesh key)`);
  const errors = validateResource(mesh.resource).diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new PlexusError('PLEXUS_ERR_INVALID_CONFIG', `${file}: ${errors.map((d) => `${d.path}: ${d.message}`).join('; ')}`);
  return (mesh.resource.spec ?? {}) as MeshConfig;
}

/**
 * The xDS part of `plexus controller`: the ADS server on 15010 (and 15012 over TLS once a
 * certificate is supplied, with its own stream rule), fed by an XdsController on the store with the MeshConfig in
 * force; WorkloadGroup auto-registration and health; the monitoring server on 15014.
 */
export function xdsComponent(seams: XdsComponentOptions = {}): ControllerComponent {
  return {
    name: 'xds',
    async start(ctx) {
      const { options, store, logger } = ctx;
      const fileMesh = options.meshConfigFile ? readMeshConfigFile(options.meshConfigFile) : undefined;
      const instanceId = controllerInstanceId();
      const ads = new AdsServer({ logger: logger.child({ part: 'ads' }), interceptors: seams.grpcInterceptors?.('xds') });
      const metrics = new XdsMetrics(ads);
      // The controller is built after auto-registration, which needs to ask it for pushes.
      const ref: { controller?: XdsController } = {};
      const autoreg = new AutoRegistrationController({
        store, instanceId, logger: logger.child({ part: 'auto-registration' }), graceMs: options.workloadCleanupGraceMs,
        onHealthChange: () => ref.controller?.requestPush({ full: false, configsUpdated: new Set(), reasons: new Set(['health']), start: Date.now() }),
      });
      ads.observe({
        connected: (s) => void (s.proxy && autoreg.proxyConnected(s.id, { ...s.proxy, network: typeof s.proxy.metadata.NETWORK === 'string' ? s.proxy.metadata.NETWORK : undefined, verifiedIdentity: ads.verifiedIdentity(s) })),
        disconnected: (s) => void autoreg.proxyDisconnected(s.id),
        health: (s, report) => autoreg.healthReported(s.id, report),
      });
      let rootNamespace = '';
      const controller = new XdsController({
        store, ads,
        jwks: { logger: logger.child({ part: 'jwks' }) },
        // Nothing else assigns ClusterIPs without Kubernetes: the controller allocates them.
        vipCidr: DEFAULT_SERVICE_VIP_CIDR,
        prepare: (resources) => {
          const mesh = resolveMeshConfig(resources, fileMesh);
          if (mesh.rootNamespace !== rootNamespace) {
            rootNamespace = mesh.rootNamespace ?? 'istio-system';
            logger.info({ rootNamespace, source: fileMesh ? options.meshConfigFile : 'store' }, 'mesh config in force');
          }
          const identity = seams.trustBundle?.(mesh);
          return { resources: autoreg.overlayHealth(resources), rootNamespace, trustBundlePem: identity?.pem, trustDomain: identity?.trustDomain, ...(fileMesh ? { meshConfig: mesh } : {}) };
        },
      });
      ref.controller = controller;
      seams.pushTrigger?.((reason) => controller.requestPush({ full: true, configsUpdated: new Set(), reasons: new Set([reason]), start: Date.now() }));
      const storeMetrics = new StoreMetrics(store);
      const stops: Array<() => Promise<void> | void> = [];
      const stop = async (): Promise<void> => {
        for (const s of stops.splice(0).reverse()) await s();
      };
      try {
        await storeMetrics.start();
        stops.push(() => storeMetrics.stop());
        stops.push(() => ads.close());
        await controller.start();
        stops.push(() => controller.stop());
        await autoreg.start();
        // Stopped first: a shutdown must not mark every workload disconnected.
        stops.push(() => autoreg.stop());
        for (const add of seams.grpcServices ?? []) await add(ads.grpcServer, ctx, 'xds');
        // A comma-separated list binds each address (loopback plus the pod bridge in pod mode).
        const xdsAddresses = (options.xdsAddress ?? '127.0.0.1').split(',').map((a) => a.trim()).filter(Boolean);
        const xdsAddress = xdsAddresses[0] ?? '127.0.0.1';
        const ports: Record<string, number> = { xds: await ads.listen(hostPort(xdsAddress, options.xdsPort)) };
        for (const extra of xdsAddresses.slice(1)) await ads.listen(hostPort(extra, ports.xds!));
        const tls = await seams.tlsCredentials?.(ctx);
        if (tls) {
          // A server of its own: its ADS streams must pass the certificate rule, its CA service accepts certificates.
          // Only an authorizer that binds nodes to their certificates makes streams' identities verified.
          const tlsServer = seams.authorizeTlsStream ? ads.createAuthorizedServer(seams.authorizeTlsStream, { interceptors: seams.grpcInterceptors?.('xds-tls') })
            : ads.createAuthorizedServer(() => undefined, { verifiesIdentity: false, interceptors: seams.grpcInterceptors?.('xds-tls') });
          for (const add of seams.grpcServices ?? []) await add(tlsServer, ctx, 'xds-tls');
          const tlsAddresses = options.xdsAddress ? xdsAddresses : ['0.0.0.0'];
          ports['xds-tls'] = await ads.listen(hostPort(tlsAddresses[0]!, options.xdsTlsPort), tls, tlsServer);
          for (const extra of tlsAddresses.slice(1)) await ads.listen(hostPort(extra, ports['xds-tls']), tls, tlsServer);
        } else {
          logger.warn({ port: options.xdsTlsPort }, `xDS over TLS (port ${options.xdsTlsPort}) is not opened: no serving certificate from the mesh CA yet; proxies use plaintext xDS on ${hostPort(xdsAddress, ports.xds!)}`);
        }
        const registryGauges = [
          new Gauge('pilot_services', 'Total services known to pilot.', () => ads.pushContext().registry.services.length),
          new Gauge('pilot_virt_services', 'Total virtual services known to pilot.', () => ads.pushContext().virtualServices.length),
        ];
        const monitoring = await startMonitoringServer({
          host: options.monitoringAddress ?? '127.0.0.1', port: options.monitoringPort, logger: logger.child({ part: 'monitoring' }),
          ads, store, controlPlane: instanceId, ready: () => controller.pushCount() > 0,
          metrics: [metrics, { collect: () => registryGauges.map((g) => g.collect()) }, storeMetrics, autoreg, ...(seams.metrics?.() ?? []), new ProcessMetrics()],
        });
        stops.push(() => monitoring.close());
        ports.monitoring = monitoring.port;
        return { ports, stop };
      } catch (err) {
        await stop();
        throw err;
      }
    },
  };
}
