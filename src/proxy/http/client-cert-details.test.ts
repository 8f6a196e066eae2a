import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientCertDetailsSelection } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';
import type { ConnectionCertificates } from '../tls/connection-certificates.js';
import { applyClientCertHeader, clientCertElement } from './client-cert-details.js';
import type { HeaderMap } from './header-map.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB+/a=\n-----END CERTIFICATE-----\n';
const certs: ConnectionCertificates = {
  localUriSans: ['spiffe://mesh.test/ns/shop/sa/cart'],
  peerDigest: '00ff'.repeat(16),
  peerSubject: 'CN=web,O=Shop\\, Inc.',
  peerUriSans: ['spiffe://mesh.test/ns/shop/sa/web'],
  peerDnsSans: ['web.shop', 'web.shop.svc'],
  peerPem: PEM,
  peerChainPem: PEM + PEM,
};

const select = (s: Partial<ClientCertDetailsSelection>): ClientCertDetailsSelection => ({ subject: false, cert: false, chain: false, dns: false, uri: false, ...s });
const BY_HASH = `By=spiffe://mesh.test/ns/shop/sa/cart;Hash=${'00ff'.repeat(16)}`;
const PEM_ENCODED = '-----BEGIN%20CERTIFICATE-----%0AMIIB%2B%2Fa%3D%0A-----END%20CERTIFICATE-----%0A';

describe('x-forwarded-client-cert element', () => {
  it('By and Hash always; selected parts in Envoy order, Subject/Cert/Chain quoted', () => {
    assert.equal(clientCertElement(certs), BY_HASH);
    assert.equal(
      clientCertElement(certs, select({ subject: true, uri: true, dns: true })),
      `${BY_HASH};Subject="CN=web,O=Shop\\, Inc.";URI=spiffe://mesh.test/ns/shop/sa/web;DNS=web.shop;DNS=web.shop.svc`,
    );
    assert.equal(clientCertElement(certs, select({ cert: true, chain: true })), `${BY_HASH};Cert="${PEM_ENCODED}";Chain="${PEM_ENCODED}${PEM_ENCODED}"`);
  });

  it('Subject and URI keys stay when empty; DNS disappears; no local URI SAN means no By', () => {
    const bare: ConnectionCertificates = { ...certs, localUriSans: [], peerSubject: '', peerUriSans: [], peerDnsSans: [] };
    assert.equal(clientCertElement(bare, select({ subject: true, uri: true, dns: true })), `Hash=${'00ff'.repeat(16)};Subject="";URI=`);
  });
});

describe('forward_client_cert_details', () => {
  const mtls = { tlsTerminated: true, peerCertificates: certs } as unknown as ConnectionInfo;
  const tlsNoPeer = { tlsTerminated: true } as unknown as ConnectionInfo;
  const plain = { tlsTerminated: false } as unknown as ConnectionInfo;
  const SPOOF = 'By=spiffe://evil/x;URI=spiffe://evil/admin';
  const sel = select({ uri: true });
  const MINE = `${BY_HASH};URI=spiffe://mesh.test/ns/shop/sa/web`;

  // mode, connection, incoming header → header forwarded (undefined: removed)
  const CASES: ReadonlyArray<readonly [string, string, ConnectionInfo, string | undefined, string | undefined]> = [
    ['SANITIZE', 'mTLS', mtls, SPOOF, undefined],
    ['SANITIZE', 'plaintext', plain, SPOOF, undefined],
    ['FORWARD_ONLY', 'mTLS', mtls, SPOOF, SPOOF],
    ['FORWARD_ONLY', 'plaintext', plain, SPOOF, undefined],
    ['FORWARD_ONLY', 'TLS without a client certificate', tlsNoPeer, SPOOF, undefined],
    ['APPEND_FORWARD', 'mTLS', mtls, SPOOF, `${SPOOF},${MINE}`],
    ['APPEND_FORWARD', 'mTLS, no header', mtls, undefined, MINE],
    ['APPEND_FORWARD', 'plaintext', plain, SPOOF, undefined],
    ['SANITIZE_SET', 'mTLS', mtls, SPOOF, MINE],
    ['SANITIZE_SET', 'plaintext', plain, SPOOF, undefined],
    ['SANITIZE_SET', 'TLS without a client certificate', tlsNoPeer, SPOOF, undefined],
    ['ALWAYS_FORWARD_ONLY', 'plaintext', plain, SPOOF, SPOOF],
    ['ALWAYS_FORWARD_ONLY', 'mTLS', mtls, undefined, undefined],
  ];

  it(`${CASES.length} mode × connection cases`, () => {
    let checked = 0;
    for (const [mode, what, info, incoming, want] of CASES) {
      const headers: HeaderMap = incoming === undefined ? {} : { 'x-forwarded-client-cert': incoming };
      applyClientCertHeader(headers, info, mode, sel);
      assert.equal(headers['x-forwarded-client-cert'], want, `${mode} over ${what}`);
      checked++;
    }
    assert.equal(checked, CASES.length);
  });

  it('the element is built once per connection, not per request', () => {
    let reads = 0;
    const counting: ConnectionCertificates = {
      ...certs,
      get peerDigest() {
        reads++;
        return certs.peerDigest;
      },
    };
    const info = { tlsTerminated: true, peerCertificates: counting } as unknown as ConnectionInfo;
    for (let i = 0; i < 50; i++) applyClientCertHeader({}, info, 'SANITIZE_SET', sel);
    assert.equal(reads, 1);
  });
});
