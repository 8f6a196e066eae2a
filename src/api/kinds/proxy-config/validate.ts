import type { Reporter } from '../../diagnostic.js';
import { intValue } from '../gateway/enum-value.js';
import { validateSelectorLabels } from '../workload-entry/workload-selector.js';
import type { ProxyConfigSpec } from './types.js';

// Image variants Istio publishes; others make injection pull an image that does not exist.
const IMAGE_TYPES = ['default', 'debug', 'distroless'];

/** Rules of Istio's ProxyConfig webhook and CRD. `at` points at `spec`. */
export function validateProxyConfig(spec: ProxyConfigSpec, at: Reporter): void {
  if (spec.selector) {
    validateSelectorLabels(spec.selector.matchLabels, at.at('selector').at('matchLabels'), {
      maxLabels: 4096,
      emptyWarning: 'selector has no labels, so it selects every workload in the namespace',
    });
  }
  if (spec.concurrency !== undefined && spec.concurrency !== null && intValue(spec.concurrency) < 0) {
    at.at('concurrency').error('concurrency must be 0 (one worker per core) or more');
  }
  for (const [name, value] of Object.entries(spec.environmentVariables ?? {})) {
    if (typeof value === 'string' && value.length > 2048) at.at('environmentVariables').at(name).error('environment variable values must be at most 2048 characters');
  }
  const imageType = spec.image?.imageType;
  if (typeof imageType === 'string' && imageType !== '' && !IMAGE_TYPES.includes(imageType)) {
    at.at('image').at('imageType').warn(`unknown image type ${JSON.stringify(imageType)}; Istio publishes ${IMAGE_TYPES.join(', ')}`);
  }
}
