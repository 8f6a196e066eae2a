import { PlexusError } from '../api/errors.js';
import type { ControllerEndpoint, WorkloadSpec } from './pod-workload.js';

/**
 * Explicit mode (no namespaces, the app reaches services through HTTP_PROXY). Not finished:
 * the sidecar's outbound would have to route absolute-form requests by authority across ports,
 * which the data plane does not do yet (see docs/local-mesh.md).
 */
export async function runExplicitWorkload(spec: WorkloadSpec, _controller: ControllerEndpoint): Promise<number> {
  throw new PlexusError('PLEXUS_ERR_CAPTURE_UNAVAILABLE', `explicit mode for ${spec.namespace}/${spec.name} is not implemented yet; run as root on Linux with iptables (--capture iptables)`);
}
