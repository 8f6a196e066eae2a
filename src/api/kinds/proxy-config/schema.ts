import { int32, map, message, str, type Schema } from '../../schema/schema.js';
import { matchLabelsSelectorSchema } from '../workload-entry/workload-selector.js';

/** ProxyConfig spec. */
export const proxyConfigSchema: Schema = message('ProxyConfig', () => ({
  selector: matchLabelsSelectorSchema,
  concurrency: int32(),
  environmentVariables: map(str()),
  image: message('ProxyImage', () => ({ imageType: str() })),
}));
