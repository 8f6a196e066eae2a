import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Path of the CA .proto inside the package. */
const PROTO_PATH = join('proto', 'plexus', 'ca.proto');

/** `istio.v1.auth.IstioCertificateRequest` as proto-loader hands it over (int64 as string). */
export interface IstioCertificateRequest {
  csr: string;
  subject_id?: string;
  validity_duration: string | number;
  metadata?: { fields?: Record<string, unknown> } | null;
}

/** `istio.v1.auth.IstioCertificateResponse`. */
export interface IstioCertificateResponse {
  cert_chain: string[];
}

/** Full method path, for logs and interceptors. */
export const CREATE_CERTIFICATE_PATH = '/istio.v1.auth.IstioCertificateService/CreateCertificate';

/**
 * The package root: compiled code runs from dist*\/src/ca, and the .proto is not copied there,
 * so walk up to the directory that has both package.json and the .proto.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, PROTO_PATH))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find ${PROTO_PATH} above ${from}`);
  }
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The generated client constructor; its `.service` is the definition a server registers. */
export function istioCertificateService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const def = protoLoader.loadSync(join(packageRoot(), PROTO_PATH), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { istio: { v1: { auth: { IstioCertificateService: grpc.ServiceClientConstructor } } } };
  cached = pkg.istio.v1.auth.IstioCertificateService;
  return cached;
}
