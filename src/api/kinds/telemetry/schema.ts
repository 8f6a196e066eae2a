import { bool, duration, enumOf, list, map, message, num, str, type Schema } from '../../schema/schema.js';
import { policyTargetingFields } from '../policy-target/schema.js';

const MODES = ['CLIENT_AND_SERVER', 'CLIENT', 'SERVER'];
/** The standard Istio metrics a MetricSelector can name. */
export const STANDARD_METRICS = [
  'ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE', 'TCP_OPENED_CONNECTIONS',
  'TCP_CLOSED_CONNECTIONS', 'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES', 'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES',
];

const providerRef: Schema = message('ProviderRef', () => ({ name: str() }));
const workloadModeSelector = (name: string): Schema => message(name, () => ({ mode: enumOf(...MODES) }));

const customTagSchema: Schema = message(
  'Tracing.CustomTag',
  () => ({
    literal: message('Tracing.Literal', () => ({ value: str() })),
    environment: message('Tracing.Environment', () => ({ name: str(), defaultValue: str() })),
    header: message('Tracing.RequestHeader', () => ({ name: str(), defaultValue: str() })),
  }),
  [['literal', 'environment', 'header']],
);

const tracingSchema: Schema = message('Tracing', () => ({
  match: workloadModeSelector('Tracing.TracingSelector'),
  providers: list(providerRef),
  randomSamplingPercentage: num(),
  disableSpanReporting: bool(),
  customTags: map(customTagSchema),
  useRequestIdForTraceSampling: bool(),
  enableIstioTags: bool(),
}));

const metricsSchema: Schema = message('Metrics', () => ({
  providers: list(providerRef),
  overrides: list(message('MetricsOverrides', () => ({
    match: message('MetricSelector', () => ({ metric: enumOf(...STANDARD_METRICS), customMetric: str(), mode: enumOf(...MODES) }), [['metric', 'customMetric']]),
    disabled: bool(),
    tagOverrides: map(message('MetricsOverrides.TagOverride', () => ({ operation: enumOf('UPSERT', 'REMOVE'), value: str() }))),
  }))),
  reportingInterval: duration(),
}));

const accessLoggingSchema: Schema = message('AccessLogging', () => ({
  match: workloadModeSelector('AccessLogging.LogSelector'),
  providers: list(providerRef),
  disabled: bool(),
  filter: message('AccessLogging.Filter', () => ({ expression: str() })),
}));

/** Schema of the Telemetry spec (telemetry.istio.io v1 / v1alpha1). */
export const telemetrySchema: Schema = message('Telemetry', () => ({
  ...policyTargetingFields(),
  tracing: list(tracingSchema),
  metrics: list(metricsSchema),
  accessLogging: list(accessLoggingSchema),
}));
