import type { SecretConfig } from '../config/model.js';
import type { FileReader } from './proto-values.js';

/** What translators share while turning one response into the model. */
export interface TranslateContext {
  /** Reads DataSource files (certificates named by path). */
  readonly readFile: FileReader;
  /**
   * TLS material written inline or as file names inside a TLS context. It becomes a secret
   * of the snapshot under a synthetic name (`inline:<hash>`, `file:<path>`), so the TLS code
   * looks every certificate up the same way.
   */
  readonly inlineSecrets: Map<string, SecretConfig>;
}
