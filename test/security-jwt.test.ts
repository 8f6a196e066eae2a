import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EchoBody } from './support/security-httpbin-app.js';
import { createIssuer, serveJwks, type TestIssuer } from './support/security-jwt.js';
import { appPath, podsSkipReason, SecurityMesh, type MeshClient } from './support/security-mesh.js';
import { authzPolicy, docs, serviceYaml } from './support/security-objects.js';

// RequestAuthentication and JWT-based authorization on the local mesh in pods (Istio's "JWT
// authentication" and "authorization with JWT" tasks, our own issuers, made with jose at test
// time): an inline JWKS, a jwksUri the controller fetches, a token taken from a query parameter.
const HTTPBIN = 'http://httpbin.foo.svc.cluster.local:8000';
const ISS = 'https://issuer.plexus.test';
const REMOTE_ISS = 'https://remote.plexus.test';
const PARAM_ISS = 'https://param.plexus.test';
const FWD_ISS = 'https://forwarded.plexus.test';
const N = 10;

describe('security: RequestAuthentication and JWT claims (pods)', { skip: podsSkipReason() ?? false }, () => {
  let mesh: SecurityMesh;
  let sleep: MeshClient;
  let issuer: TestIssuer;
  let stranger: TestIssuer;
  let remote: TestIssuer;
  let param: TestIssuer;
  let forwarded: TestIssuer;
  let jwksServer: Awaited<ReturnType<typeof serveJwks>> | undefined;

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  async function withAuthz(policy: string, probe: { headers?: Record<string, string>; status: number }, body: () => Promise<void>): Promise<void> {
    await mesh.withPolicy(policy, async () => {
      await sleep.waitForStatus(`${HTTPBIN}/get`, probe.status, 20_000, probe.headers ? { headers: probe.headers } : {});
      await body();
    });
    await sleep.waitForStatus(`${HTTPBIN}/get`, 200);
  }

  before(async () => {
    [issuer, stranger, remote, param, forwarded] = await Promise.all([createIssuer(ISS), createIssuer(ISS, 'other-key'), createIssuer(REMOTE_ISS), createIssuer(PARAM_ISS), createIssuer(FWD_ISS)]);
    jwksServer = await serveJwks(remote.jwks);
    mesh = await SecurityMesh.start('pods');
    await mesh.apply(docs(
      serviceYaml('foo', 'httpbin', [{ name: 'http', port: 8000 }]),
      `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  jwtRules:
  - issuer: ${ISS}
    jwks: '${JSON.stringify(issuer.jwks)}'
    outputClaimToHeaders: [{header: x-jwt-sub, claim: sub}]
  - issuer: ${REMOTE_ISS}
    jwksUri: ${jwksServer.url}
    audiences: [plexus-api]
  - issuer: ${PARAM_ISS}
    jwks: '${JSON.stringify(param.jwks)}'
    fromParams: [access_token]
  - issuer: ${FWD_ISS}
    jwks: '${JSON.stringify(forwarded.jwks)}'
    fromHeaders: [{name: x-fwd-token, prefix: "Token "}]
    forwardOriginalToken: true
    outputPayloadToHeader: x-jwt-payload`,
    ));
    [, sleep] = await Promise.all([
      mesh.run({ namespace: 'foo', name: 'httpbin', ports: [8000], command: [process.execPath, appPath('httpbin'), '8000'], probe: 'http' }),
      mesh.client('foo', 'sleep'),
    ]);
    await sleep.waitForStatus(`${HTTPBIN}/get`, 200);
    // The RequestAuthentication is in force once a bad token is refused.
    await sleep.waitForStatus(`${HTTPBIN}/get`, 401, 20_000, { headers: bearer('not.a.jwt') });
  });

  after(async () => {
    await mesh?.down();
    await jwksServer?.close();
  });

  it('a valid token: 10 × 200; the claim is copied to x-jwt-sub and the token is not forwarded', async () => {
    const results = await sleep.http(`${HTTPBIN}/headers`, { n: N, headers: bearer(await issuer.token()) });
    assert.deepEqual(results.map((r) => r.status), Array(N).fill(200));
    const seen = JSON.parse(results[0]!.body) as EchoBody;
    assert.equal(seen.headers['x-jwt-sub'], 'tester@plexus.test');
    assert.equal(seen.headers.authorization, undefined, 'forwardOriginalToken defaults to false');
  });

  it('no token and no AuthorizationPolicy: passes on, 10 × 200', async () => {
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
  });

  it('a malformed token: 10 × 401', async () => {
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer('not.a.jwt') }), { 401: N });
  });

  it('a token signed with a key not in the JWKS: 10 × 401', async () => {
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await stranger.token()) }), { 401: N });
  });

  it('an expired token: 10 × 401', async () => {
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({}, { expiresInSec: -120 })) }), { 401: N });
  });

  it('jwksUri (fetched by the controller): audience plexus-api 10 × 200, another audience 10 × 403 (Envoy answers 403 to a disallowed audience)', async () => {
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await remote.token({}, { audience: 'plexus-api' })) }), { 200: N });
    const wrong = await sleep.http(`${HTTPBIN}/get`, { n: N, headers: bearer(await remote.token({}, { audience: 'someone-else' })) });
    assert.deepEqual(wrong.map((r) => r.status), Array(N).fill(403));
    assert.notEqual(wrong[0]!.body, 'RBAC: access denied', 'refused by jwt_authn, not by RBAC');
    assert.ok(jwksServer!.fetches() >= 1, 'the controller fetched the JWKS');
  });

  it('fromParams: a token in ?access_token= 10 × 200, a bad one 10 × 401', async () => {
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get?access_token=${await param.token()}`, { n: N }), { 200: N });
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get?access_token=${await stranger.token()}`, { n: N }), { 401: N });
  });

  it('fromHeaders with a prefix, forwardOriginalToken and outputPayloadToHeader: 10 × 200, the upstream sees the token and the payload; a bad token there 10 × 401', async () => {
    const token = await forwarded.token({ role: 'reader' });
    const results = await sleep.http(`${HTTPBIN}/headers`, { n: N, headers: { 'x-fwd-token': `Token ${token}` } });
    assert.deepEqual(results.map((r) => r.status), Array(N).fill(200));
    const seen = (JSON.parse(results[0]!.body) as EchoBody).headers;
    assert.equal(seen['x-fwd-token'], `Token ${token}`);
    const payload = JSON.parse(Buffer.from(String(seen['x-jwt-payload']), 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.deepEqual([payload.iss, payload.role], [FWD_ISS, 'reader']);
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: { 'x-fwd-token': `Token ${await stranger.token()}` } }), { 401: N });
  });

  it('a jwksUri that cannot be fetched: its tokens 10 × 401, the other issuers unaffected (10 × 200), the controller keeps serving', async () => {
    const down = await createIssuer('https://down.plexus.test');
    const objects = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt-down, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  jwtRules: [{issuer: "${down.iss}", jwksUri: "http://127.0.0.1:9/jwks.json"}]`;
    await mesh.withPolicy(objects, async () => {
      const token = bearer(await down.token());
      await sleep.waitForStatus(`${HTTPBIN}/get`, 401, 30_000, { headers: token });
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: token }), { 401: N });
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token()) }), { 200: N });
      const status = await mesh.cli('status');
      assert.equal(status.status, 0, status.stderr);
    });
  });

  it('requestPrincipals ["*"] required: no token 10 × 403, a valid token 10 × 200', async () => {
    const policy = authzPolicy('foo', 'require-jwt', `
selector: {matchLabels: {app: httpbin}}
action: ALLOW
rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]`);
    await withAuthz(policy, { status: 403 }, async () => {
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token()) }), { 200: N });
    });
  });

  it('requestPrincipals exact iss/sub: that subject 10 × 200, another subject 10 × 403', async () => {
    const policy = authzPolicy('foo', 'require-subject', `
rules: [{from: [{source: {requestPrincipals: ["${ISS}/alice@plexus.test"]}}]}]`);
    await withAuthz(policy, { status: 403 }, async () => {
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({}, { subject: 'alice@plexus.test' })) }), { 200: N });
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({}, { subject: 'bob@plexus.test' })) }), { 403: N });
    });
  });

  it('when request.auth.claims[groups] (a list claim): member 10 × 200, non-member 10 × 403', async () => {
    const policy = authzPolicy('foo', 'require-group', `
rules: [{when: [{key: "request.auth.claims[groups]", values: [admins]}]}]`);
    await withAuthz(policy, { status: 403 }, async () => {
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({ groups: ['dev', 'admins'] })) }), { 200: N });
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({ groups: ['dev'] })) }), { 403: N });
    });
  });

  it('when request.auth.claims[org][team] (a nested claim): core 10 × 200, edge 10 × 403', async () => {
    const policy = authzPolicy('foo', 'require-team', `
rules: [{when: [{key: "request.auth.claims[org][team]", values: [core]}]}]`);
    await withAuthz(policy, { status: 403 }, async () => {
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({ org: { team: 'core' } })) }), { 200: N });
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({ org: { team: 'edge' } })) }), { 403: N });
    });
  });

  it('DENY for requests without a principal (notRequestPrincipals ["*"]): no token 10 × 403, valid 10 × 200', async () => {
    const policy = authzPolicy('foo', 'deny-anonymous', `
action: DENY
rules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]`);
    await withAuthz(policy, { status: 403 }, async () => {
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
      assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token()) }), { 200: N });
    });
  });
});
