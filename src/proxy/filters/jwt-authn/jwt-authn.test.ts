import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, generateSecret, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { HeaderMap } from '../../http/header-map.js';
import { findHttpFilter, validateHttpFilters } from '../registry.js';
import { providerSet, type JwtRequestState } from './authenticator.js';
import { JWT_AUTHN_TYPE_URL, parseJwtAuthnConfig, parseJwtAuthnPerRoute, type JwtAuthnConfig } from './config.js';
import { removeQueryParam } from './extractor.js';
import { JWT_STATUS } from './status.js';
import { compileRequirement } from './verifier.js';

const ISS = 'https://issuer.example';
const NOW = 1_900_000_000;

interface Signer {
  readonly jwk: JWK;
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

async function signer(alg: string, kid: string, options: { crv?: string } = {}): Promise<Signer> {
  if (alg.startsWith('HS')) {
    const secret = await generateSecret(alg, { extractable: true });
    const jwk = { ...(await exportJWK(secret)), kid, alg };
    return { jwk, sign: (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg, kid, ...header }).sign(secret) };
  }
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(options.crv ? { crv: options.crv } : {}) });
  const jwk = { ...(await exportJWK(publicKey)), kid };
  return { jwk, sign: (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg, kid, ...header }).sign(privateKey) };
}

/** The filter config istiod emits for one RequestAuthentication rule. */
function istiodConfig(jwks: JWK[], provider: Record<string, unknown> = {}): unknown {
  return {
    providers: {
      'origins-0': {
        issuer: ISS,
        local_jwks: { inline_string: JSON.stringify({ keys: jwks }) },
        payload_in_metadata: 'payload',
        normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'scope'] },
        ...provider,
      },
    },
    rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } } }],
    bypass_cors_preflight: true,
  };
}

function parsed(raw: unknown): JwtAuthnConfig {
  const r = parseJwtAuthnConfig(raw);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config;
}

async function run(config: JwtAuthnConfig, headers: HeaderMap, path = '/', now = NOW): Promise<{ status: string; state: JwtRequestState }> {
  const set = providerSet(config.providers.values(), () => now);
  const verifier = compileRequirement(config.rules[0]!.requires!, set);
  const state: JwtRequestState = { headers, path, extracted: undefined, clearRouteCache: false };
  return { status: await verifier(state), state };
}

const bearer = (t: string): HeaderMap => ({ authorization: `Bearer ${t}` });

describe('jwt_authn config', () => {
  it('accepts what istiod emits and is registered with a per-route parser', () => {
    const config = parsed(istiodConfig([{ kty: 'oct', k: 'c2VjcmV0', kid: 'x' }]));
    assert.equal(config.providers.get('origins-0')?.clockSkewSeconds, 60);
    assert.equal(config.bypassCorsPreflight, true);
    const def = findHttpFilter(JWT_AUTHN_TYPE_URL);
    assert.equal(def?.wellKnownName, 'envoy.filters.http.jwt_authn');
    assert.ok(def?.parsePerRouteConfig);
  });

  const refusals: { name: string; raw: unknown; error: string }[] = [
    { name: 'remote_jwks', raw: { providers: { p: { issuer: 'a', remote_jwks: { http_uri: { uri: 'https://a/jwks', cluster: 'c', timeout: '1s' } } } } }, error: 'providers["p"].remote_jwks: remote JWKS fetching by the proxy is not supported' },
    { name: 'a JWKS file', raw: { providers: { p: { local_jwks: { filename: '/etc/jwks.json' } } } }, error: 'providers["p"].local_jwks.filename: JWKS files are not supported' },
    { name: 'no key source', raw: { providers: { p: { issuer: 'a' } } }, error: 'providers["p"]: one of local_jwks, remote_jwks is required' },
    { name: 'subjects', raw: { providers: { p: { local_jwks: { inline_string: '{}' }, subjects: { prefix: 'x' } } } }, error: 'providers["p"].subjects: subject matching is not supported' },
    { name: 'failed_status_in_metadata', raw: { providers: { p: { local_jwks: { inline_string: '{}' }, failed_status_in_metadata: 'f' } } }, error: 'failed_status_in_metadata: not supported' },
    { name: 'an unknown provider', raw: { providers: {}, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'nope' } }] }, error: "rules[0].requires.provider_name: Required provider ['nope'] is not configured." },
    { name: 'requires_any with one item', raw: { providers: { p: { local_jwks: { inline_string: '{}' } } }, rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'p' }] } } }] }, error: 'rules[0].requires.requires_any.requirements: at least 2 requirements are required' },
    { name: 'a rule naming a missing requirement', raw: { rules: [{ match: { prefix: '/' }, requirement_name: 'r' }] }, error: 'rules[0].requirement_name: "r" is not in requirement_map' },
    { name: 'query parameter rule matches', raw: { rules: [{ match: { prefix: '/', query_parameters: [{ name: 'a' }] } }] }, error: 'rules[0].match.query_parameters: not supported in jwt_authn rules' },
    { name: 'filter_state_rules', raw: { filter_state_rules: { name: 'x', requires: {} } }, error: 'filter_state_rules: not supported' },
    { name: 'a bad payload header name', raw: { providers: { p: { local_jwks: { inline_string: '{}' }, forward_payload_header: 'x y' } } }, error: 'providers["p"].forward_payload_header: "x y" is not a valid header name' },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name} with the field path`, () => {
      const r = parseJwtAuthnConfig(c.raw);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.errors.some((e) => e.includes(c.error)), `${JSON.stringify(!r.ok && r.errors)} should include ${c.error}`);
    });
  }

  it('is NACKed through the registry with the filter name', () => {
    const errors = validateHttpFilters([
      { name: 'envoy.filters.http.jwt_authn', typeUrl: JWT_AUTHN_TYPE_URL, config: { providers: { p: { remote_jwks: {} } } } },
      { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', config: {} },
    ]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^http_filters\[0\] \(envoy\.filters\.http\.jwt_authn\): providers\["p"\]\.remote_jwks/);
  });

  it('parses per-route configs', () => {
    assert.deepEqual(parseJwtAuthnPerRoute({ disabled: true }), { ok: true, config: { disabled: true } });
    assert.deepEqual(parseJwtAuthnPerRoute({ requirement_name: 'r1' }), { ok: true, config: { requirementName: 'r1' } });
    assert.equal(parseJwtAuthnPerRoute({}).ok, false);
    assert.equal(parseJwtAuthnPerRoute({ disabled: false }).ok, false);
  });

  it('removes a query parameter from the path', () => {
    assert.equal(removeQueryParam('/a?access_token=x&b=1', 'access_token'), '/a?b=1');
    assert.equal(removeQueryParam('/a?access_token=x', 'access_token'), '/a');
    assert.equal(removeQueryParam('/a?b=1', 'access_token'), '/a?b=1');
  });
});

describe('jwt_authn verification (istiod requirement: provider or allow_missing)', () => {
  let rs: Signer;
  let other: Signer;
  let config: JwtAuthnConfig;
  const good = { iss: ISS, sub: 'alice', aud: 'web', exp: NOW + 600, iat: NOW - 10 };
  before(async () => {
    rs = await signer('RS256', 'k1');
    other = await signer('RS256', 'k1');
    config = parsed(istiodConfig([rs.jwk], { audiences: ['web', 'https://api.example/'] }));
  });

  it('accepts a valid token and publishes its payload', async () => {
    const headers = bearer(await rs.sign({ ...good, scope: 'read write' }));
    const { status, state } = await run(config, headers);
    assert.equal(status, JWT_STATUS.ok);
    const payload = state.extracted?.['payload'] as Record<string, unknown>;
    assert.equal(payload['sub'], 'alice');
    assert.deepEqual(payload['scope'], ['read', 'write']);
    assert.equal(headers['authorization'], undefined, 'forward is off: the token is removed');
  });

  it('passes a request without a token', async () => {
    const { status, state } = await run(config, {});
    assert.equal(status, JWT_STATUS.ok);
    assert.equal(state.extracted, undefined);
  });

  const failures: { name: string; make: () => Promise<string>; status: string; now?: number }[] = [
    { name: 'expired', make: () => rs.sign({ ...good, exp: NOW - 61 }), status: JWT_STATUS.expired },
    { name: 'not yet valid', make: () => rs.sign({ ...good, nbf: NOW + 61 }), status: JWT_STATUS.notYetValid },
    { name: 'a wrong issuer', make: () => rs.sign({ ...good, iss: 'https://evil.example' }), status: JWT_STATUS.unknownIssuer },
    { name: 'a wrong audience', make: () => rs.sign({ ...good, aud: 'other' }), status: JWT_STATUS.audienceNotAllowed },
    { name: 'no audience where audiences are required', make: () => rs.sign({ iss: ISS, exp: NOW + 60 }), status: JWT_STATUS.audienceNotAllowed },
    { name: 'a bad signature', make: () => other.sign(good), status: JWT_STATUS.verificationFail },
    { name: 'an unknown kid', make: () => rs.sign(good, { kid: 'k9' }), status: JWT_STATUS.jwksKidAlgMismatch },
    {
      name: 'alg none',
      make: () => Promise.resolve(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`),
      status: JWT_STATUS.headerAlgNotImplemented,
    },
    { name: 'a malformed token', make: () => Promise.resolve('not-a-jwt'), status: JWT_STATUS.badFormat },
    { name: 'a header that is not JSON', make: () => Promise.resolve(`${Buffer.from('nope').toString('base64url')}.e30.c2ln`), status: JWT_STATUS.headerBadJson },
    { name: 'a non-integer exp', make: () => rs.sign({ ...good, exp: 'soon' as unknown as number }), status: JWT_STATUS.expNotInteger },
    { name: 'a negative iat', make: () => rs.sign({ ...good, iat: -5 }), status: JWT_STATUS.iatOutOfRange },
    { name: 'a string iss', make: () => rs.sign({ ...good, iss: 7 as unknown as string }), status: JWT_STATUS.issNotString },
    { name: 'a numeric aud list', make: () => rs.sign({ ...good, aud: [1] as unknown as string[] }), status: JWT_STATUS.audNotString },
  ];
  for (const f of failures) {
    it(`refuses ${f.name}: "${f.status}"`, async () => {
      const { status, state } = await run(config, bearer(await f.make()));
      assert.equal(status, f.status);
      assert.equal(state.extracted, undefined);
    });
  }

  it('allows Envoy\'s 60 s clock skew on exp and nbf', async () => {
    assert.equal((await run(config, bearer(await rs.sign({ ...good, exp: NOW - 59 })))).status, JWT_STATUS.ok);
    assert.equal((await run(config, bearer(await rs.sign({ ...good, nbf: NOW + 59 })))).status, JWT_STATUS.ok);
    const tight = parsed(istiodConfig([rs.jwk], { clock_skew_seconds: 5 }));
    assert.equal((await run(tight, bearer(await rs.sign({ ...good, exp: NOW - 6 })))).status, JWT_STATUS.expired);
  });

  it('matches audiences without scheme or trailing slash', async () => {
    assert.equal((await run(config, bearer(await rs.sign({ ...good, aud: ['x', 'api.example'] })))).status, JWT_STATUS.ok);
  });

  it('fails when any of several tokens is bad, whatever their order', async () => {
    const ok = `Bearer ${await rs.sign(good)}`;
    const bad = `Bearer ${await other.sign(good)}`;
    // forward: true keeps the header, so each verifier sees both tokens.
    const forwarding = parsed(istiodConfig([rs.jwk], { forward: true }));
    assert.equal((await run(forwarding, { authorization: [ok, bad] })).status, JWT_STATUS.verificationFail);
    assert.equal((await run(forwarding, { authorization: [bad, ok] })).status, JWT_STATUS.verificationFail);
    assert.equal((await run(forwarding, { authorization: [ok, ok] })).status, JWT_STATUS.ok);
  });

  for (const [alg, crv] of [['RS384'], ['RS512'], ['PS256'], ['PS512'], ['ES256'], ['ES384'], ['EdDSA', 'Ed25519'], ['HS256']] as const) {
    it(`verifies ${alg}`, async () => {
      const s = await signer(alg, `k-${alg}`, crv ? { crv } : {});
      const c = parsed(istiodConfig([rs.jwk, s.jwk]));
      assert.equal((await run(c, bearer(await s.sign(good)))).status, JWT_STATUS.ok);
      assert.equal((await run(c, bearer(await s.sign(good, { kid: 'k1' })))).status, alg.startsWith('RS') || alg.startsWith('PS') ? JWT_STATUS.verificationFail : JWT_STATUS.jwksKidAlgMismatch);
    });
  }

  it('fails every token when the JWKS has no usable key', async () => {
    const c = parsed(istiodConfig([{ kty: 'RSA', kid: 'broken' }]));
    assert.equal(c.providers.get('origins-0')?.jwks.keys.length, 0);
    assert.equal((await run(c, bearer(await rs.sign(good)))).status, JWT_STATUS.jwksNoValidKeys);
    assert.equal((await run(c, {})).status, JWT_STATUS.ok, 'a missing token still passes');
  });
});

describe('jwt_authn extraction and outputs', () => {
  let rs: Signer;
  const claims = { iss: ISS, sub: 'bob', exp: NOW + 600, groups: ['a', 'b'], n: 42, f: 1.5, ok: true, nested: { org: { id: 'acme' } } };
  before(async () => {
    rs = await signer('ES256', 'e1');
  });

  it('reads a custom header with a prefix, forwards it when asked, and writes claim and payload headers', async () => {
    const config = parsed(istiodConfig([rs.jwk], {
      from_headers: [{ name: 'X-Jwt', value_prefix: 'Token ' }],
      forward: true,
      forward_payload_header: 'x-jwt-payload',
      claim_to_headers: [
        { header_name: 'x-sub', claim_name: 'sub' },
        { header_name: 'x-n', claim_name: 'n' },
        { header_name: 'x-f', claim_name: 'f' },
        { header_name: 'x-ok', claim_name: 'ok' },
        { header_name: 'x-org', claim_name: 'nested.org.id' },
        { header_name: 'x-groups', claim_name: 'groups' },
        { header_name: 'x-none', claim_name: 'absent' },
      ],
    }));
    const token = await rs.sign(claims);
    const headers: HeaderMap = { 'x-jwt': `Token ${token}`, 'x-sub': 'spoofed', 'x-jwt-payload': 'spoofed' };
    const { status } = await run(config, headers);
    assert.equal(status, JWT_STATUS.ok);
    assert.equal(headers['x-jwt'], `Token ${token}`);
    assert.equal(headers['x-sub'], 'bob');
    assert.equal(headers['x-n'], '42');
    assert.equal(headers['x-f'], '1.500000');
    assert.equal(headers['x-ok'], 'true');
    assert.equal(headers['x-org'], 'acme');
    assert.equal(headers['x-groups'], Buffer.from('["a","b"]').toString('base64'));
    assert.equal(headers['x-none'], undefined);
    assert.equal(headers['x-jwt-payload'], token.split('.')[1]);
  });

  it('removes spoofed output headers even when no token is sent', async () => {
    const config = parsed(istiodConfig([rs.jwk], { claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }] }));
    const headers: HeaderMap = { 'x-sub': 'admin' };
    assert.equal((await run(config, headers)).status, JWT_STATUS.ok);
    assert.equal(headers['x-sub'], undefined);
  });

  it('reads the default access_token query parameter and strips it when not forwarded', async () => {
    const config = parsed(istiodConfig([rs.jwk]));
    const { status, state } = await run(config, {}, `/p?a=1&access_token=${await rs.sign(claims)}`);
    assert.equal(status, JWT_STATUS.ok);
    assert.equal(state.path, '/p?a=1');
  });

  it('reads a configured query parameter and a cookie', async () => {
    const config = parsed(istiodConfig([rs.jwk], { from_params: ['tok'], from_cookies: ['session'] }));
    const token = await rs.sign(claims);
    assert.equal((await run(config, {}, `/?tok=${token}`)).status, JWT_STATUS.ok);
    const cookie: HeaderMap = { cookie: `a=b; session=${token}; c=d` };
    assert.equal((await run(config, cookie)).status, JWT_STATUS.ok);
    assert.equal((await run(config, { cookie: 'session=garbage' })).status, JWT_STATUS.badFormat);
    // Only configured locations are read: the default Authorization header is not.
    assert.equal((await run(config, bearer('garbage'))).status, JWT_STATUS.ok);
  });

  it('ignores a header without the configured prefix', async () => {
    const config = parsed(istiodConfig([rs.jwk]));
    assert.equal((await run(config, { authorization: 'Basic dXNlcjpwdw==' })).status, JWT_STATUS.ok);
  });
});

describe('jwt_authn requirements', () => {
  let a: Signer;
  let b: Signer;
  const providers = (ka: JWK, kb: JWK): Record<string, unknown> => ({
    pa: { issuer: 'a', local_jwks: { inline_string: JSON.stringify({ keys: [ka] }) }, payload_in_metadata: 'payload' },
    pb: { issuer: 'b', local_jwks: { inline_string: JSON.stringify({ keys: [kb] }) }, payload_in_metadata: 'payload', from_headers: [{ name: 'x-b' }] },
  });
  const withRequires = (requires: unknown): JwtAuthnConfig => parsed({ providers: providers(a.jwk, b.jwk), rules: [{ match: { prefix: '/' }, requires }] });
  before(async () => {
    a = await signer('RS256', 'a1');
    b = await signer('ES256', 'b1');
  });

  it('provider_name: a missing token fails with "Jwt is missing"', async () => {
    assert.equal((await run(withRequires({ provider_name: 'pa' }), {})).status, JWT_STATUS.missing);
  });

  it('requires_all needs every provider', async () => {
    const c = withRequires({ requires_all: { requirements: [{ provider_name: 'pa' }, { provider_name: 'pb' }] } });
    const ta = await a.sign({ iss: 'a', exp: NOW + 60 });
    const tb = await b.sign({ iss: 'b', exp: NOW + 60 });
    assert.equal((await run(c, { authorization: `Bearer ${ta}`, 'x-b': tb })).status, JWT_STATUS.ok);
    assert.equal((await run(c, { authorization: `Bearer ${ta}` })).status, JWT_STATUS.missing);
  });

  it('requires_any passes with either provider', async () => {
    const c = withRequires({ requires_any: { requirements: [{ provider_name: 'pa' }, { provider_name: 'pb' }] } });
    assert.equal((await run(c, { 'x-b': await b.sign({ iss: 'b' }) })).status, JWT_STATUS.ok);
    assert.equal((await run(c, {})).status, JWT_STATUS.missing);
  });

  it('provider_and_audiences overrides the provider audiences', async () => {
    const c = withRequires({ provider_and_audiences: { provider_name: 'pa', audiences: ['only'] } });
    assert.equal((await run(c, bearer(await a.sign({ iss: 'a', aud: 'only' })))).status, JWT_STATUS.ok);
    assert.equal((await run(c, bearer(await a.sign({ iss: 'a', aud: 'else' })))).status, JWT_STATUS.audienceNotAllowed);
  });

  it('a bare allow_missing checks the tokens of every provider', async () => {
    const c = withRequires({ allow_missing: {} });
    assert.equal((await run(c, {})).status, JWT_STATUS.ok);
    assert.equal((await run(c, { 'x-b': await b.sign({ iss: 'b' }) })).status, JWT_STATUS.ok);
    assert.equal((await run(c, bearer('bad.token.here'))).status, JWT_STATUS.headerBadJson);
    assert.equal((await run(withRequires({ allow_missing_or_failed: {} }), bearer('bad.token.here'))).status, JWT_STATUS.ok);
  });

  it('requires_any prefers a real error to "unknown issuer" and that to "missing"', async () => {
    const c = withRequires({ requires_any: { requirements: [{ provider_name: 'pb' }, { provider_name: 'pa' }] } });
    // pb finds no token (missing), pa finds an expired one of its issuer.
    assert.equal((await run(c, bearer(await a.sign({ iss: 'a', exp: NOW - 100 })))).status, JWT_STATUS.expired);
    // pa finds a token of an issuer it does not serve; pb finds none.
    assert.equal((await run(c, bearer(await a.sign({ iss: 'z' })))).status, JWT_STATUS.unknownIssuer);
  });

  it('allow_missing_or_failed passes a bad token without publishing it', async () => {
    const c = withRequires({ requires_any: { requirements: [{ provider_name: 'pa' }, { allow_missing_or_failed: {} }] } });
    const { status, state } = await run(c, bearer('bad.token.here'));
    assert.equal(status, JWT_STATUS.ok);
    assert.equal(state.extracted, undefined);
  });

  it('istiod\'s two-provider shape: a token of either issuer, none, but never a bad one', async () => {
    const c = withRequires({
      requires_any: {
        requirements: [
          { provider_name: 'pa' },
          { provider_name: 'pb' },
          { requires_all: { requirements: [
            { requires_any: { requirements: [{ provider_name: 'pa' }, { allow_missing: {} }] } },
            { requires_any: { requirements: [{ provider_name: 'pb' }, { allow_missing: {} }] } },
          ] } },
        ],
      },
    });
    assert.equal((await run(c, bearer(await a.sign({ iss: 'a' })))).status, JWT_STATUS.ok);
    assert.equal((await run(c, { 'x-b': await b.sign({ iss: 'b' }) })).status, JWT_STATUS.ok);
    assert.equal((await run(c, {})).status, JWT_STATUS.ok);
    assert.equal((await run(c, bearer(await a.sign({ iss: 'a', exp: NOW - 100 })))).status, JWT_STATUS.expired);
    assert.equal((await run(c, bearer(await b.sign({ iss: 'b' })))).status, JWT_STATUS.unknownIssuer);
  });
});
