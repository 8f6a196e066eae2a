import { int32, list, map, message, str, uint32, type Schema } from '../../schema/schema.js';
import { workloadEntrySchema } from '../workload-entry/schema.js';

const probeSchema: Schema = message(
  'ReadinessProbe',
  () => ({
    initialDelaySeconds: int32(),
    timeoutSeconds: int32(),
    periodSeconds: int32(),
    successThreshold: int32(),
    failureThreshold: int32(),
    httpGet: message('HTTPHealthCheckConfig', () => ({
      path: str(),
      port: uint32(),
      host: str(),
      scheme: str(),
      httpHeaders: list(message('HTTPHeader', () => ({ name: str(), value: str() }))),
    })),
    tcpSocket: message('TCPHealthCheckConfig', () => ({ host: str(), port: uint32() })),
    exec: message('ExecHealthCheckConfig', () => ({ command: list(str()) })),
    grpc: message('GrpcHealthCheckConfig', () => ({ port: uint32(), service: str() })),
  }),
  [['httpGet', 'tcpSocket', 'exec', 'grpc']],
);

/** WorkloadGroup spec. */
export const workloadGroupSchema: Schema = message('WorkloadGroup', () => ({
  metadata: message('ObjectMeta', () => ({ labels: map(str()), annotations: map(str()) })),
  template: workloadEntrySchema,
  probe: probeSchema,
}));
