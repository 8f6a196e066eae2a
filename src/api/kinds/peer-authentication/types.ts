import type { WorkloadSelector } from '../policy-target/types.js';

/** How a workload accepts connections: UNSET inherits from the parent scope. */
export type MutualTlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** `PeerAuthentication.MutualTLS`. */
export interface MutualTls {
  mode?: MutualTlsMode;
}

/** `security.istio.io` PeerAuthentication spec. */
export interface PeerAuthenticationSpec {
  /** Without a selector the policy is namespace-wide (mesh-wide in the root namespace). */
  selector?: WorkloadSelector;
  mtls?: MutualTls;
  /** Per container port (map keys are port numbers); needs a selector. */
  portLevelMtls?: Record<string, MutualTls>;
}
