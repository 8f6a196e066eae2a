import { runValidationCases } from '../../testing/validation-cases.js';

const pc = (spec: string): string => `apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: {name: tuned, namespace: shop}
spec:
${spec}`;

runValidationCases('ProxyConfig', [
  { name: 'concurrency, env and image for selected workloads', valid: true, noWarnings: true, yaml: pc('  selector: {matchLabels: {app: cart}}\n  concurrency: 2\n  environmentVariables: {LOG_LEVEL: debug}\n  image: {imageType: distroless}') },
  { name: 'concurrency 0 means one per core', valid: true, yaml: pc('  concurrency: 0') },
  { name: 'negative concurrency', valid: false, error: 'spec.concurrency: concurrency must be 0', yaml: pc('  concurrency: -1') },
  { name: 'a wildcard selector value', valid: false, error: 'spec.selector.matchLabels.app: wildcards are not supported', yaml: pc('  selector: {matchLabels: {app: "*"}}\n  concurrency: 1') },
  { name: 'an empty selector warns', valid: true, warning: 'spec.selector.matchLabels: selector has no labels', yaml: pc('  selector: {}\n  concurrency: 1') },
  { name: 'an unknown image type warns', valid: true, warning: 'spec.image.imageType: unknown image type "slim"', yaml: pc('  image: {imageType: slim}') },
  { name: 'an overlong environment value', valid: false, error: 'spec.environmentVariables.BIG: environment variable values must be at most 2048 characters', yaml: pc(`  environmentVariables: {BIG: ${'x'.repeat(2049)}}`) },
  { name: 'an environment value that is not a string', valid: false, error: 'spec.environmentVariables.N: expected a string', yaml: pc('  environmentVariables: {N: 3}') },
  { name: 'an unknown field', valid: false, error: 'spec.imageType: unknown field "imageType"', yaml: pc('  imageType: debug') },
]);
