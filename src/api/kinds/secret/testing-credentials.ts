// Certificates made on the spot for tests of credentials (validation, SDS, gateways, upstream
// TLS). Not used by the product code.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Resource } from '../../resource.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

/** A test CA: its certificate and signing key. */
export interface TestAuthority {
  readonly certPem: string;
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

/** A test leaf certificate with its key. */
export interface TestCredential {
  readonly certPem: string;
  readonly keyPem: string;
  /** Hex serial, as node's `X509Certificate.serialNumber` prints it (upper case). */
  readonly serial: string;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

let serialCounter = 0x1000 + Math.floor(Math.random() * 0x1000);

/** A self-signed CA valid for a day. */
export async function makeTestAuthority(name: string): Promise<TestAuthority> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    serialNumber: (serialCounter++).toString(16),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY),
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { certPem: `${cert.toString('pem')}\n`, keys, cert };
}

/** A leaf signed by `ca` for DNS names (server and client auth); `expired` backdates it. */
export async function makeTestCredential(ca: TestAuthority, dnsNames: readonly string[], opts: { expired?: boolean; commonName?: string } = {}): Promise<TestCredential> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const serial = (serialCounter++).toString(16).toUpperCase();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${opts.commonName ?? dnsNames[0] ?? 'client'}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    serialNumber: serial,
    notBefore: new Date(Date.now() - (opts.expired ? 3 * DAY : 60_000)),
    notAfter: new Date(Date.now() + (opts.expired ? -DAY : DAY)),
    extensions: [
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    ],
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await keyPem(keys.privateKey), serial };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A `kubernetes.io/tls` Secret holding `cred` (and `ca.crt` when given). */
export function tlsSecretResource(name: string, namespace: string, cred: TestCredential | undefined, caPem?: string): Resource {
  const data: Record<string, string> = {};
  if (cred) {
    data['tls.crt'] = b64(cred.certPem);
    data['tls.key'] = b64(cred.keyPem);
  }
  if (caPem) data['ca.crt'] = b64(caPem);
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: cred ? 'kubernetes.io/tls' : 'Opaque', data } as unknown as Resource;
}

/** An Opaque Secret in Istio's generic layout (`cert`, `key`, `cacert`). */
export function genericSecretResource(name: string, namespace: string, cred: TestCredential | undefined, caPem?: string): Resource {
  const data: Record<string, string> = {};
  if (cred) {
    data.cert = b64(cred.certPem);
    data.key = b64(cred.keyPem);
  }
  if (caPem) data.cacert = b64(caPem);
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data } as unknown as Resource;
}

/** A PEM CRL of `ca` revoking the given serials (hex, as {@link TestCredential.serial}). */
export async function makeTestCrl(ca: TestAuthority, revokedSerials: readonly string[]): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subject,
    thisUpdate: new Date(Date.now() - 60_000),
    nextUpdate: new Date(Date.now() + DAY),
    signingAlgorithm: ALG,
    signingKey: ca.keys.privateKey,
    entries: revokedSerials.map((serialNumber) => ({ serialNumber, revocationDate: new Date(Date.now() - 30_000) })),
  });
  // OpenSSL reads CRLs under the `X509 CRL` PEM label only.
  return `${crl.toString('pem').replace(/-----(BEGIN|END) CRL-----/g, '-----$1 X509 CRL-----')}\n`;
}
