import { runValidationCases } from '../../testing/validation-cases.js';

const tm = (spec: string, version = 'v1'): string => `apiVersion: telemetry.istio.io/${version}
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
${spec.replace(/^/gm, '  ')}`;

runValidationCases('Telemetry', [
  {
    name: 'tracing, metrics and access logging together', valid: true, noWarnings: true,
    yaml: tm(`tracing:
- providers: [{name: otel}]
  randomSamplingPercentage: 10.5
  customTags:
    cluster: {literal: {value: east}}
    user: {header: {name: x-user, defaultValue: none}}
    pod: {environment: {name: POD_NAME}}
metrics:
- providers: [{name: prometheus}]
  reportingInterval: 15s
  overrides:
  - match: {metric: REQUEST_COUNT, mode: CLIENT}
    tagOverrides:
      request_host: {operation: UPSERT, value: "request.host"}
      destination_port: {operation: REMOVE}
accessLogging:
- providers: [{name: envoy}]
  filter: {expression: "response.code >= 400"}`),
  },
  { name: 'v1alpha1 is served', valid: true, yaml: tm('accessLogging: [{disabled: true}]', 'v1alpha1') },
  { name: 'sampling above 100', valid: false, error: 'spec.tracing[0].randomSamplingPercentage: randomSamplingPercentage must be in range [0.0, 100.0]', yaml: tm('tracing: [{randomSamplingPercentage: 101}]') },
  { name: 'negative sampling', valid: false, error: 'spec.tracing[0].randomSamplingPercentage', yaml: tm('tracing: [{randomSamplingPercentage: -1}]') },
  { name: 'a provider without a name', valid: false, error: 'spec.metrics[0].providers[0].name: provider name must not be empty', yaml: tm('metrics: [{providers: [{}]}]') },
  { name: 'two tracing providers warn', valid: true, warning: 'spec.tracing[0].providers: multiple tracing providers', yaml: tm('tracing: [{providers: [{name: a}, {name: b}]}]') },
  { name: 'two tracing entries warn', valid: true, warning: 'spec.tracing: multiple tracing entries', yaml: tm('tracing: [{providers: [{name: a}]}, {providers: [{name: b}]}]') },
  { name: 'a custom tag with two kinds', valid: false, error: 'spec.tracing[0].customTags.x: only one of literal, header may be set', yaml: tm('tracing: [{customTags: {x: {literal: {value: a}, header: {name: b}}}}]') },
  { name: 'an empty literal tag', valid: false, error: 'spec.tracing[0].customTags.x.literal.value: a literal tag value must not be empty', yaml: tm('tracing: [{customTags: {x: {literal: {}}}}]') },
  { name: 'UPSERT without a value', valid: false, error: 'spec.metrics[0].overrides[0].tagOverrides.foo.value: value must be set when operation is UPSERT', yaml: tm('metrics: [{overrides: [{tagOverrides: {foo: {operation: UPSERT}}}]}]') },
  { name: 'REMOVE with a value', valid: false, error: 'spec.metrics[0].overrides[0].tagOverrides.foo.value: value may only be set when operation is UPSERT', yaml: tm('metrics: [{overrides: [{tagOverrides: {foo: {operation: REMOVE, value: "x"}}}]}]') },
  { name: 'an unbalanced tag expression', valid: false, error: 'spec.metrics[0].overrides[0].tagOverrides.foo.value: invalid expression', yaml: tm(`metrics: [{overrides: [{tagOverrides: {foo: {value: "request.headers['x-a'"}}}]}]`) },
  { name: 'an unknown standard metric', valid: false, error: 'spec.metrics[0].overrides[0].match.metric: unknown value "REQUESTS"', yaml: tm('metrics: [{overrides: [{match: {metric: REQUESTS}}]}]') },
  { name: 'metric and customMetric together', valid: false, error: 'spec.metrics[0].overrides[0].match: only one of metric, customMetric may be set', yaml: tm('metrics: [{overrides: [{match: {metric: REQUEST_COUNT, customMetric: foo}}]}]') },
  { name: 'a reporting interval below 1ms', valid: false, error: 'spec.metrics[0].reportingInterval: duration must be greater than 1ms', yaml: tm('metrics: [{reportingInterval: 0s}]') },
  { name: 'a broken access log filter', valid: false, error: 'spec.accessLogging[0].filter.expression: invalid filter expression', yaml: tm('accessLogging: [{filter: {expression: "response.code >= (400"}}]') },
  { name: 'an unknown match mode', valid: false, error: 'spec.accessLogging[0].match.mode: unknown value "BOTH"', yaml: tm('accessLogging: [{match: {mode: BOTH}}]') },
  { name: 'selector and targetRef together', valid: false, error: 'spec: only one of targetRefs, targetRef or selector can be set', yaml: tm('selector: {matchLabels: {app: a}}\ntargetRef: {kind: Service, name: a}') },
  { name: 'a targetRef to a ServiceEntry', valid: true, yaml: tm('targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: ext}]\naccessLogging: [{providers: [{name: envoy}]}]') },
]);
