import type { WorkloadEntrySpec } from '../workload-entry/types.js';

/** Labels and annotations copied onto every WorkloadEntry of the group. */
export interface WorkloadGroupObjectMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** An HTTP header sent by an HTTP readiness probe. */
export interface HTTPHeader {
  name?: string;
  value?: string;
}

/** Probe by HTTP GET; 2xx/3xx means ready. */
export interface HTTPHealthCheckConfig {
  path?: string;
  port: number;
  host?: string;
  /** `HTTP` or `HTTPS`. */
  scheme?: string;
  httpHeaders?: HTTPHeader[];
}

/** Probe by opening a TCP connection. */
export interface TCPHealthCheckConfig {
  host?: string;
  port: number;
}

/** Probe by running a command; exit status 0 means ready. */
export interface ExecHealthCheckConfig {
  command: string[];
}

/** Probe by the gRPC health checking protocol. */
export interface GrpcHealthCheckConfig {
  port: number;
  service?: string;
}

/** How the agent decides that a workload of the group is ready. Exactly one method. */
export interface ReadinessProbe {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  httpGet?: HTTPHealthCheckConfig;
  tcpSocket?: TCPHealthCheckConfig;
  exec?: ExecHealthCheckConfig;
  grpc?: GrpcHealthCheckConfig;
}

/** istio.networking.v1alpha3.WorkloadGroup spec. */
export interface WorkloadGroupSpec {
  metadata?: WorkloadGroupObjectMeta;
  /** Template for the WorkloadEntries; address is filled in when a workload registers. */
  template: WorkloadEntrySpec;
  probe?: ReadinessProbe;
}
