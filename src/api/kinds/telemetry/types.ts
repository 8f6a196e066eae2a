import type { PolicyTargeting } from '../policy-target/types.js';

/** Traffic direction a telemetry setting applies to. */
export type WorkloadMode = 'CLIENT_AND_SERVER' | 'CLIENT' | 'SERVER';

/** `telemetry.istio.io` Telemetry spec. */
export interface TelemetrySpec extends PolicyTargeting {
  tracing?: Tracing[];
  metrics?: Metrics[];
  accessLogging?: AccessLogging[];
}

/** `ProviderRef`: the name of a MeshConfig extension provider. */
export interface ProviderRef {
  name: string;
}

/** `Tracing`. */
export interface Tracing {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  /** 0..100. */
  randomSamplingPercentage?: number;
  disableSpanReporting?: boolean;
  customTags?: Record<string, CustomTag>;
  useRequestIdForTraceSampling?: boolean;
  enableIstioTags?: boolean;
}

/** `Tracing.CustomTag`: exactly one of literal, environment or header. */
export interface CustomTag {
  literal?: { value: string };
  environment?: { name: string; defaultValue?: string };
  header?: { name: string; defaultValue?: string };
}

/** `Metrics`. */
export interface Metrics {
  providers?: ProviderRef[];
  overrides?: MetricsOverrides[];
  reportingInterval?: string;
}

/** `MetricsOverrides`. */
export interface MetricsOverrides {
  match?: MetricSelector;
  disabled?: boolean;
  tagOverrides?: Record<string, TagOverride>;
}

/** `MetricSelector`: one of the standard metrics or a custom metric name. */
export interface MetricSelector {
  metric?: string;
  customMetric?: string;
  mode?: WorkloadMode;
}

/** `MetricsOverrides.TagOverride`: UPSERT needs a value (a CEL expression), REMOVE forbids one. */
export interface TagOverride {
  operation?: 'UPSERT' | 'REMOVE';
  value?: string;
}

/** `AccessLogging`. */
export interface AccessLogging {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  disabled?: boolean;
  /** `expression` is a CEL expression selecting which requests are logged. */
  filter?: { expression?: string };
}
