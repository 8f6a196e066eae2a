import type { ConnectionPoolSettings } from '../destination-rule/types.js';
import type { ServerTLSSettings } from '../gateway/types.js';

/** How traffic reaches a listener. */
export type CaptureMode = 'DEFAULT' | 'IPTABLES' | 'NONE';

/** Values of `CaptureMode` in protobuf order. */
export const CAPTURE_MODES: readonly CaptureMode[] = ['DEFAULT', 'IPTABLES', 'NONE'];

/** What happens to outbound traffic to hosts the registry does not know. */
export type OutboundTrafficPolicyMode = 'REGISTRY_ONLY' | 'ALLOW_ANY';

/** Values of `OutboundTrafficPolicyMode` in protobuf order. */
export const OUTBOUND_TRAFFIC_POLICY_MODES: readonly OutboundTrafficPolicyMode[] = ['REGISTRY_ONLY', 'ALLOW_ANY'];

/** Port of a Sidecar listener (istio.networking.v1alpha3.SidecarPort). */
export interface SidecarPort {
  /** 0 means a unix socket listener (egress only). */
  number?: number;
  protocol?: string;
  name?: string;
  /** Deprecated; rejected on Sidecars. */
  targetPort?: number;
}

/** Inbound listener configuration for the workload's ports. */
export interface IstioIngressListener {
  port: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  /** `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`, `[::]:PORT`, `unix://path`, or unset. */
  defaultEndpoint?: string;
  tls?: ServerTLSSettings;
  connectionPool?: ConnectionPoolSettings;
}

/** Outbound listener configuration: which hosts the workload can reach on a port. */
export interface IstioEgressListener {
  /** Omitted for the catch-all listener (which must come last). */
  port?: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  /** `namespace/dnsName` entries; namespace may be `*`, `.` or `~`. */
  hosts: string[];
}

/** Destination of the egress proxy (istio.networking.v1alpha3.Destination). */
export interface EgressProxyDestination {
  host: string;
  subset?: string;
  port?: { number?: number };
}

/** Default handling of outbound traffic. */
export interface OutboundTrafficPolicy {
  mode?: OutboundTrafficPolicyMode;
  /** Only with ALLOW_ANY: where unknown traffic is sent. */
  egressProxy?: EgressProxyDestination;
}

/** istio.networking.v1alpha3.Sidecar spec. */
export interface SidecarSpec {
  workloadSelector?: { labels?: Record<string, string> };
  ingress?: IstioIngressListener[];
  egress?: IstioEgressListener[];
  inboundConnectionPool?: ConnectionPoolSettings;
  outboundTrafficPolicy?: OutboundTrafficPolicy;
}
