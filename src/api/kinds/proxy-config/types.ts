/** Which build of the proxy image to run. */
export interface ProxyImage {
  /** `default`, `debug` or `distroless` (Istio's published variants). */
  imageType?: string;
}

/** istio.networking.v1beta1.ProxyConfig spec: per-workload proxy settings. */
export interface ProxyConfigSpec {
  selector?: { matchLabels?: Record<string, string> };
  /** Worker threads; 0 means one per core. Wrapped Int32Value, so `null` means unset. */
  concurrency?: number | null;
  environmentVariables?: Record<string, string>;
  image?: ProxyImage;
}
