import type { experimental } from '@grpc/grpc-js';

type CaListener = (update: experimental.CaCertificateUpdate | null) => void;
type IdentityListener = (update: experimental.IdentityCertificateUpdate | null) => void;

/**
 * A grpc-js certificate provider fed from memory: `update()` swaps the trust bundle and/or the
 * identity, and grpc-js rebuilds its TLS context for new connections. Used for the controller's
 * TLS port, whose certificate the CA issues to itself and renews.
 */
export class MemoryCertificateProvider implements experimental.CertificateProvider {
  private ca: experimental.CaCertificateUpdate | null = null;
  private identity: experimental.IdentityCertificateUpdate | null = null;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();

  update(next: { caPem?: string; certChainPem?: string; keyPem?: string }): void {
    if (next.caPem !== undefined) {
      this.ca = { caCertificate: Buffer.from(next.caPem) };
      for (const l of this.caListeners) l(this.ca);
    }
    if (next.certChainPem !== undefined && next.keyPem !== undefined) {
      this.identity = { certificate: Buffer.from(next.certChainPem), privateKey: Buffer.from(next.keyPem) };
      for (const l of this.identityListeners) l(this.identity);
    }
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    // Deliver later, never inside add: grpc-js registers its server watcher only after this returns.
    queueMicrotask(() => this.caListeners.has(listener) && this.ca && listener(this.ca));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => this.identityListeners.has(listener) && this.identity && listener(this.identity));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}
