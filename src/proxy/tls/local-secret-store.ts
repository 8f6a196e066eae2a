import { EventEmitter } from 'node:events';
import type { SecretConfig } from '../config/model.js';

/** Istio's SDS names for the workload certificate and the trust bundle. */
export const WORKLOAD_SECRET = 'default';
export const ROOT_CA_SECRET = 'ROOTCA';

/** Certificate material as the agent holds it (`src/agent`'s WorkloadCertificate fits). */
export interface WorkloadCertificateMaterial {
  readonly certChainPem: string;
  readonly keyPem: string;
  readonly rootsPem: string;
}

/**
 * What the proxy needs from the identity agent: the current certificate and a signal when it
 * rotates. `src/agent`'s CertificateAgent satisfies it; tests pass a fixed certificate.
 */
export interface WorkloadCertificateSource {
  current(): WorkloadCertificateMaterial | undefined;
  on(event: 'change', listener: (cert: WorkloadCertificateMaterial) => void): unknown;
  off(event: 'change', listener: (cert: WorkloadCertificateMaterial) => void): unknown;
}

/**
 * The secrets the proxy owns locally, outside xDS. Each rotation installs new SecretConfig
 * objects: TLS contexts are cached per object, so new handshakes pick up the new certificate
 * while established connections keep the one they were accepted with.
 */
export class LocalSecretStore extends EventEmitter<{ change: [names: readonly string[]] }> {
  private readonly secrets = new Map<string, SecretConfig>();

  /** The names this store answers for (the xds-client's LocalSecretProvider: SDS is not asked for them). */
  readonly names: readonly string[] = [WORKLOAD_SECRET, ROOT_CA_SECRET];

  /** Looks a secret up by name (a SecretLookup). */
  readonly lookup = (name: string): SecretConfig | undefined => this.secrets.get(name);

  /** LocalSecretProvider's accessor. */
  get(name: string): SecretConfig | undefined {
    return this.secrets.get(name);
  }

  /** LocalSecretProvider's change hook; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.on('change', listener);
    return () => void this.off('change', listener);
  }

  /** Installs the workload certificate as `default` and its roots as `ROOTCA`. */
  setWorkloadCertificate(cert: WorkloadCertificateMaterial): void {
    this.secrets.set(WORKLOAD_SECRET, Object.freeze({ name: WORKLOAD_SECRET, certificateChain: cert.certChainPem, privateKey: cert.keyPem }));
    this.secrets.set(ROOT_CA_SECRET, Object.freeze({ name: ROOT_CA_SECRET, trustedCa: cert.rootsPem }));
    this.emit('change', [WORKLOAD_SECRET, ROOT_CA_SECRET]);
  }

  /** Keeps the store in step with an agent; returns a function that stops following it. */
  follow(source: WorkloadCertificateSource): () => void {
    const onChange = (cert: WorkloadCertificateMaterial): void => this.setWorkloadCertificate(cert);
    const first = source.current();
    if (first) this.setWorkloadCertificate(first);
    source.on('change', onChange);
    return () => void source.off('change', onChange);
  }

  has(name: string): boolean {
    return this.secrets.has(name);
  }
}
