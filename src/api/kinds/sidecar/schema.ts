import { enumOf, list, message, str, uint32, type Schema } from '../../schema/schema.js';
import { connectionPoolSettingsSchema, portSelectorSchema } from '../destination-rule/schema.js';
import { serverTlsSettingsSchema } from '../gateway/server-tls-settings.js';
import { networkingWorkloadSelectorSchema } from '../workload-entry/workload-selector.js';
import { CAPTURE_MODES, OUTBOUND_TRAFFIC_POLICY_MODES } from './types.js';

const sidecarPortSchema: Schema = message('SidecarPort', () => ({ number: uint32(), protocol: str(), name: str(), targetPort: uint32() }));

/** Sidecar spec. */
export const sidecarSchema: Schema = message('Sidecar', () => ({
  workloadSelector: networkingWorkloadSelectorSchema,
  ingress: list(
    message('IstioIngressListener', () => ({
      port: sidecarPortSchema,
      bind: str(),
      captureMode: enumOf(...CAPTURE_MODES),
      defaultEndpoint: str(),
      tls: serverTlsSettingsSchema,
      connectionPool: connectionPoolSettingsSchema,
    })),
  ),
  egress: list(
    message('IstioEgressListener', () => ({
      port: sidecarPortSchema,
      bind: str(),
      captureMode: enumOf(...CAPTURE_MODES),
      hosts: list(str()),
    })),
  ),
  inboundConnectionPool: connectionPoolSettingsSchema,
  outboundTrafficPolicy: message('OutboundTrafficPolicy', () => ({
    mode: enumOf(...OUTBOUND_TRAFFIC_POLICY_MODES),
    egressProxy: message('Destination', () => ({ host: str(), subset: str(), port: portSelectorSchema })),
  })),
}));
