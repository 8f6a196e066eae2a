// A JWT issuer for the security tests, made at test time with jose: an RSA key pair, its JWKS
// (inline in a RequestAuthentication, or served over HTTP for jwksUri) and signed tokens.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/** A test issuer: `token()` signs with its key, `jwks` is what verifiers need. */
export interface TestIssuer {
  readonly iss: string;
  readonly jwks: { keys: JWK[] };
  token(claims?: JWTPayload, opts?: { expiresInSec?: number; subject?: string; audience?: string }): Promise<string>;
}

/** Creates an issuer named `iss` with a fresh RS256 key (key id `kid`). */
export async function createIssuer(iss: string, kid = 'plexus-e2e'): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    iss,
    jwks: { keys: [jwk] },
    async token(claims = {}, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).setIssuer(iss).setIssuedAt(now - 60)
        .setSubject(opts.subject ?? 'tester@plexus.test').setExpirationTime(now + (opts.expiresInSec ?? 3600));
      if (opts.audience) jwt = jwt.setAudience(opts.audience);
      return jwt.sign(privateKey);
    },
  };
}

/** Serves `jwks` at http://HOST:PORT/jwks.json (for jwksUri); counts fetches. */
export async function serveJwks(jwks: { keys: JWK[] }, host = '127.0.0.1'): Promise<{ url: string; fetches: () => number; close: () => Promise<void> }> {
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    fetches++;
    res.writeHead(req.url === '/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/jwks.json' ? JSON.stringify(jwks) : '{}');
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
