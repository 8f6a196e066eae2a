import { createHash, X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { subjectAltNameEntries } from './peer-identity.js';

/** What a terminated mTLS connection tells about the certificates on both ends (Envoy's Ssl::ConnectionInfo). */
export interface ConnectionCertificates {
  /** URI SANs of this proxy's own certificate (XFCC `By`). */
  readonly localUriSans: readonly string[];
  /** Lower-case hex SHA-256 of the peer certificate's DER (XFCC `Hash`). */
  readonly peerDigest: string;
  /** The peer certificate's subject in RFC 2253 form (XFCC `Subject`). */
  readonly peerSubject: string;
  readonly peerUriSans: readonly string[];
  readonly peerDnsSans: readonly string[];
  /** The peer certificate as PEM (XFCC `Cert`, URL-encoded there). */
  readonly peerPem: string;
  /** The peer's chain as PEM, leaf first, without a self-signed root (XFCC `Chain`). */
  readonly peerChainPem: string;
}

function sansOf(san: string | undefined, type: string): string[] {
  return subjectAltNameEntries(san).filter((e) => e.type === type).map((e) => e.value);
}

// Node prints the subject one RDN per line in certificate order; RFC 2253 reverses it and joins with commas.
function rfc2253(subject: string): string {
  if (subject === '') return '';
  return subject.split('\n').reverse().join(',').replace(/ \+ /g, '+');
}

function chainPem(detailed: DetailedPeerCertificate | undefined): string {
  let pem = '';
  const seen = new Set<DetailedPeerCertificate>();
  for (let c = detailed; c && c.raw && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    const selfSigned = c.issuerCertificate === c || c.fingerprint256 === c.issuerCertificate?.fingerprint256;
    // The trust anchor is the verifier's, not something the peer sent.
    if (selfSigned && seen.size > 1) break;
    pem += new X509Certificate(c.raw).toString();
    if (selfSigned) break;
  }
  return pem;
}

/**
 * The certificate facts of one TLS connection, read from the socket on first use and kept: the
 * X.509 parsing and hashing happen once per connection (and only on connections whose
 * connection manager asks for them), never per request.
 */
class LazyConnectionCertificates implements ConnectionCertificates {
  private peer: X509Certificate | undefined;
  private local: readonly string[] | undefined;
  private digest: string | undefined;
  private chain: string | undefined;

  constructor(private readonly socket: TLSSocket) {}

  private peerCert(): X509Certificate | undefined {
    this.peer ??= this.socket.getPeerX509Certificate();
    return this.peer;
  }

  get localUriSans(): readonly string[] {
    this.local ??= sansOf(this.socket.getX509Certificate()?.subjectAltName, 'URI');
    return this.local;
  }

  get peerDigest(): string {
    this.digest ??= (() => {
      const raw = this.peerCert()?.raw;
      return raw ? createHash('sha256').update(raw).digest('hex') : '';
    })();
    return this.digest;
  }

  get peerSubject(): string {
    return rfc2253(this.peerCert()?.subject ?? '');
  }

  get peerUriSans(): readonly string[] {
    return sansOf(this.peerCert()?.subjectAltName, 'URI');
  }

  get peerDnsSans(): readonly string[] {
    return sansOf(this.peerCert()?.subjectAltName, 'DNS');
  }

  get peerPem(): string {
    return this.peerCert()?.toString() ?? '';
  }

  get peerChainPem(): string {
    this.chain ??= chainPem(this.socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined);
    return this.chain;
  }
}

/** The lazily read certificate facts of a terminated TLS socket whose peer presented a certificate. */
export function connectionCertificates(socket: TLSSocket): ConnectionCertificates {
  return new LazyConnectionCertificates(socket);
}
