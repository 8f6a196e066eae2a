import type { ClientTLSSettings } from '../../api/kinds/destination-rule/types.js';
import type { ServiceModel } from '../../registry/model.js';
import { anyField, type ProtoObject } from '../protos.js';
import type { PushContext } from '../push-context.js';
import { SDS_DEFAULT, SDS_ROOTCA, serviceSpiffeIds } from './cluster-tls.js';
import { meshIndex } from './sidecar-mesh-index.js';

const UPSTREAM_TLS = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/**
 * Name of the certificate provider instance a proxyless gRPC bootstrap declares for the
 * workload's mesh certificate (`certificate_providers.default`, a `file_watcher` over the
 * agent's output directory), as Istio's gRPC bootstrap does.
 */
export const GRPC_CERT_PROVIDER_INSTANCE = 'default';

/**
 * The UpstreamTlsContext proxyless gRPC understands for ISTIO_MUTUAL (gRFC A29): the identity
 * and the roots come from the bootstrap's certificate provider (`certificate_name` tells
 * `default` from `ROOTCA`, as Istio's grpcgen names them), and the server's certificate must
 * carry one of the expected SANs. grpc-js reads the CA provider from
 * `combined_validation_context.default_validation_context.ca_certificate_provider_instance`
 * and the SANs from the `match_subject_alt_names` string matchers (not the typed ones).
 */
export function grpcIstioMutualContext(sans: readonly string[]): ProtoObject {
  return {
    common_tls_context: {
      tls_certificate_provider_instance: { instance_name: GRPC_CERT_PROVIDER_INSTANCE, certificate_name: SDS_DEFAULT },
      combined_validation_context: {
        default_validation_context: {
          ca_certificate_provider_instance: { instance_name: GRPC_CERT_PROVIDER_INSTANCE, certificate_name: SDS_ROOTCA },
          match_subject_alt_names: sans.map((exact) => ({ exact })),
        },
      },
    },
  };
}

/** The trust domain the SPIFFE SANs are in: the CA's when the controller has one, else MeshConfig's. */
function trustDomainOf(push: PushContext): string {
  return push.trustDomain ?? meshIndex(push).mesh.trustDomain ?? 'cluster.local';
}

/**
 * Adds mTLS to a proxyless gRPC cluster when the (merged) DestinationRule TLS mode is
 * ISTIO_MUTUAL. Expected server identities: the rule's `subjectAltNames`, else the SPIFFE ids
 * of the service accounts behind the service. SIMPLE and MUTUAL name files the gRPC client
 * cannot be told about over xDS, so they are left out (as Istio's grpcgen does); DISABLE and
 * no mode stay plaintext.
 */
export function applyGrpcUpstreamTls(cluster: ProtoObject, tls: ClientTLSSettings | undefined, service: ServiceModel, push: PushContext): void {
  if (tls?.mode !== 'ISTIO_MUTUAL') return;
  const sans = tls.subjectAltNames && tls.subjectAltNames.length > 0 ? tls.subjectAltNames : serviceSpiffeIds(service, trustDomainOf(push));
  cluster.transport_socket = { name: 'envoy.transport_sockets.tls', typed_config: anyField(UPSTREAM_TLS, grpcIstioMutualContext(sans)) };
}
