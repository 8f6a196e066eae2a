/** Server-side TLS modes of a Gateway server or a Sidecar ingress listener. */
export type ServerTLSMode = 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';

/** Values of `ServerTLSMode` in protobuf order (index = enum number). */
export const SERVER_TLS_MODES: readonly ServerTLSMode[] = ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'];

/** TLS protocol versions for `minProtocolVersion` / `maxProtocolVersion`. */
export type TLSProtocolVersion = 'TLS_AUTO' | 'TLSV1_0' | 'TLSV1_1' | 'TLSV1_2' | 'TLSV1_3';

/** Values of `TLSProtocolVersion` in protobuf order. */
export const TLS_PROTOCOL_VERSIONS: readonly TLSProtocolVersion[] = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'];

/** One server certificate and key pair (`tlsCertificates` entries). */
export interface TLSCertificate {
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
}

/** istio.networking.v1alpha3.ServerTLSSettings. */
export interface ServerTLSSettings {
  httpsRedirect?: boolean;
  mode?: ServerTLSMode;
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  caCrl?: string;
  credentialName?: string;
  credentialNames?: string[];
  tlsCertificates?: TLSCertificate[];
  subjectAltNames?: string[];
  verifyCertificateSpki?: string[];
  verifyCertificateHash?: string[];
  minProtocolVersion?: TLSProtocolVersion;
  maxProtocolVersion?: TLSProtocolVersion;
  cipherSuites?: string[];
}

/** The port a Gateway server listens on. */
export interface GatewayPort {
  number: number;
  protocol: string;
  name: string;
  /** Deprecated; rejected on Gateways. */
  targetPort?: number;
}

/** One listener of a Gateway. */
export interface Server {
  port: GatewayPort;
  bind?: string;
  hosts: string[];
  tls?: ServerTLSSettings;
  defaultEndpoint?: string;
  name?: string;
}

/** istio.networking.v1alpha3.Gateway spec. */
export interface GatewaySpec {
  servers?: Server[];
  selector?: Record<string, string>;
}
