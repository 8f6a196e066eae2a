/** A Kubernetes ConfigMap's content (top-level fields, there is no `spec`). */
export interface ConfigMapContent {
  data?: Record<string, string>;
  /** Base64-encoded values. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}
