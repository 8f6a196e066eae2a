import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PAGE_MESSAGES } from '../samples/bookinfo/src/productpage/page-messages.js';
import { PROPAGATED_HEADERS } from '../samples/bookinfo/src/shared/propagated-headers.js';

// The four Bookinfo services run as real child processes on loopback, wired by their *_URL
// env vars, exactly as `plexus run` starts them; small in-test servers stand in for an
// upstream that records headers and for the sidecar's explicit-mode HTTP proxy.

type ServiceName = 'productpage' | 'details' | 'reviews' | 'ratings';

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything the service has printed so far. */
  output(): { stdout: string; stderr: string };
}

const children: ChildProcess[] = [];
const servers: Server[] = [];
const START_TIMEOUT_MS = 10_000;

/** Starts one service with PORT=0 and resolves with the port it prints once bound. */
function startService(name: ServiceName, env: Record<string, string> = {}): Promise<Started> {
  const main = new URL(`../samples/bookinfo/src/${name}/main.js`, import.meta.url).pathname;
  // A minimal environment, so that a proxy configured for the test runner does not leak in.
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({ child, port, url: `http://127.0.0.1:${port}`, output: () => ({ stdout, stderr }) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening: ${stderr}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(killer);
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A loopback port with nothing listening on it (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** Never answer (the caller's timeout must fire). */
  readonly hang?: boolean;
}

/** An upstream that records each request and answers with `reply(path)`. */
async function startCapture(reply: (path: string) => Reply): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const r = reply(req.url ?? '/');
    if (r.hang) return;
    const text = JSON.stringify(r.body ?? {});
    res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests };
}

/**
 * A forward proxy like the sidecar's explicit mode: it takes absolute-form requests, resolves
 * the mesh host name through `names` (as the DNS proxy would), forwards and records them.
 * CONNECT is refused, so a tunnelling client shows up as a failure.
 */
async function startForwardProxy(names: Record<string, number>): Promise<{ url: string; requests: Recorded[]; connects: string[] }> {
  const requests: Recorded[] = [];
  const connects: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form expected');
      return;
    }
    const port = names[target.hostname];
    if (port === undefined) {
      res.writeHead(502).end(`unknown host ${target.hostname}`);
      return;
    }
    const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket) => {
    connects.push(req.url ?? '');
    socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, connects };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One HTTP request on a fresh connection (no pooling to outlive the test). */
function fetchText(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent: false, timeout: 15_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The reviews answer as the test reads it (ratings loosened so each field can be checked). */
interface ReviewsBody {
  id: string;
  podname: string;
  clustername: string;
  version: string;
  reviews: { reviewer: string; text: string; rating?: { stars?: number; color?: string; error?: string } }[];
}

async function fetchJson<T = Record<string, unknown>>(url: string, headers?: Record<string, string>): Promise<{ status: number; body: T }> {
  const a = await fetchText(url, { headers });
  assert.match(String(a.headers['content-type']), /application\/json/, `${url} answered ${a.text}`);
  return { status: a.status, body: JSON.parse(a.text) as T };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const starsOf = (html: string): { count: number; color: string }[] =>
  [...html.matchAll(/class="stars" data-stars="(\d)" data-color="([a-z]+)"/g)].map((m) => ({ count: Number(m[1]), color: m[2] }));

const TRACE_HEADERS: Record<string, string> = {
  'x-request-id': 'req-7f3a',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'plexus=t61rcWkgMzE',
  'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
  'x-b3-spanid': 'e457b5a2e4d86bd1',
  'x-b3-parentspanid': '05e3ac9a4f6e3b90',
  'x-b3-sampled': '1',
  'x-b3-flags': '0',
  b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
  'x-ot-span-context': 'abc;def;1',
  'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
  'grpc-trace-bin': 'AAARf5Ym7lY0O6hk/osqV9Pv9wEC',
  'user-agent': 'bookinfo-test/1.0',
};

describe('Bookinfo apps', { timeout: 60_000 }, () => {
  let ratings: Started;
  let details: Started;
  const reviews: Record<'v1' | 'v2' | 'v3', Started> = {} as never;
  const productpage: Record<'v1' | 'v2' | 'v3', Started> = {} as never;

  before(async () => {
    [ratings, details] = await Promise.all([startService('ratings'), startService('details')]);
    await Promise.all((['v1', 'v2', 'v3'] as const).map(async (v) => {
      reviews[v] = await startService('reviews', { SERVICE_VERSION: v, RATINGS_URL: ratings.url });
      productpage[v] = await startService('productpage', { DETAILS_URL: details.url, REVIEWS_URL: reviews[v].url, RATINGS_URL: ratings.url });
    }));
  });

  after(async () => {
    await Promise.all(children.map(stopChild));
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  it('details answers the book in Bookinfo field names', async () => {
    const { status, body } = await fetchJson(`${details.url}/details/0`);
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ['ISBN-10', 'ISBN-13', 'author', 'id', 'language', 'pages', 'publisher', 'type', 'year']);
    assert.equal(body.id, 0);
    assert.equal(typeof body.pages, 'number');
    assert.match(String(body['ISBN-13']), /^97[89]\d{10}$/);
    assert.equal((await fetchJson(`${details.url}/details/42`)).status, 404);
    assert.equal((await fetchJson(`${details.url}/details/x1`)).status, 400);
    assert.deepEqual((await fetchJson(`${details.url}/health`)).body, { status: 'healthy', service: 'details', version: 'v1' });
  });

  it('ratings answers stars per reviewer', async () => {
    const { status, body } = await fetchJson(`${ratings.url}/ratings/0`);
    assert.equal(status, 200);
    assert.deepEqual(body, { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    assert.equal((await fetchJson(`${ratings.url}/ratings/3`)).status, 404);
    assert.equal((await fetchJson(`${ratings.url}/health`)).status, 200);
  });

  it('reviews v1 has no ratings, v2 black stars, v3 red stars', async () => {
    const v1 = (await fetchJson<ReviewsBody>(`${reviews.v1.url}/reviews/0`)).body;
    assert.equal(v1.id, '0');
    assert.equal(v1.version, 'v1');
    assert.equal(typeof v1.podname, 'string');
    assert.equal(typeof v1.clustername, 'string');
    assert.equal(v1.reviews.length, 2);
    for (const r of v1.reviews) assert.deepEqual(Object.keys(r).sort(), ['reviewer', 'text']);

    for (const [v, color] of [['v2', 'black'], ['v3', 'red']] as const) {
      const body = (await fetchJson<ReviewsBody>(`${reviews[v].url}/reviews/0`)).body;
      assert.equal(body.version, v);
      assert.deepEqual(body.reviews.map((r) => [r.reviewer, r.rating]), [['Reviewer1', { stars: 5, color }], ['Reviewer2', { stars: 4, color }]]);
    }
    assert.deepEqual((await fetchJson(`${reviews.v3.url}/health`)).body, { status: 'healthy', service: 'reviews', version: 'v3' });
  });

  it('the product page shows details, reviews and stars per reviews version', async () => {
    const expected = { v1: [], v2: [{ count: 5, color: 'black' }, { count: 4, color: 'black' }], v3: [{ count: 5, color: 'red' }, { count: 4, color: 'red' }] };
    for (const v of ['v1', 'v2', 'v3'] as const) {
      const page = await fetchText(`${productpage[v].url}/productpage`);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
      assert.match(page.text, /Ines Marlowe/);
      assert.match(page.text, /9781999904128/);
      assert.equal([...page.text.matchAll(/class="review"/g)].length, 2, `${v}: two reviews`);
      assert.deepEqual(starsOf(page.text), expected[v], `${v} stars`);
      assert.match(page.text, new RegExp(`id="reviews-version">${v}<`));
      assert.doesNotMatch(page.text, /class="unavailable/);
      assert.match(page.text, /action="\/login"/);
    }
    assert.equal((await fetchText(`${productpage.v1.url}/productpage?id=9`)).status, 404);
    assert.equal((await fetchText(`${productpage.v1.url}/`)).status, 200);
  });

  it('the JSON API lists products and relays details, reviews and ratings', async () => {
    const list = await fetchJson<Record<string, unknown>[]>(`${productpage.v2.url}/api/v1/products`);
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
    assert.deepEqual(Object.keys(list.body[0]).sort(), ['descriptionHtml', 'id', 'title']);
    assert.deepEqual((await fetchJson(`${productpage.v2.url}/api/v1/products/0`)).body, (await fetchJson(`${details.url}/details/0`)).body);
    const rv = await fetchJson<ReviewsBody>(`${productpage.v2.url}/api/v1/products/0/reviews`);
    assert.equal(rv.status, 200);
    assert.equal(rv.body.version, 'v2');
    assert.equal(rv.body.reviews[0].rating?.color, 'black');
    assert.deepEqual((await fetchJson(`${productpage.v2.url}/api/v1/products/0/ratings`)).body, { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    assert.equal((await fetchJson(`${productpage.v2.url}/api/v1/products/5`)).status, 404, 'details 404 relayed');
    assert.equal((await fetchJson(`${productpage.v2.url}/api/v1/products/zz`)).status, 400);
    assert.deepEqual((await fetchJson(`${productpage.v2.url}/health`)).body, { status: 'healthy', service: 'productpage', version: 'v1' });
  });

  it('signs a user in with a cookie and out again', async () => {
    const login = await fetchText(`${productpage.v1.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=jason&passwd=anything' });
    assert.equal(login.status, 302);
    assert.equal(login.headers.location, '/productpage');
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /^user=jason;/);
    const page = await fetchText(`${productpage.v1.url}/productpage`, { headers: { cookie: 'theme=dark; user=jason' } });
    assert.match(page.text, /Signed in as <strong id="user">jason<\/strong>/);
    assert.doesNotMatch(page.text, /action="\/login"/);
    const logout = await fetchText(`${productpage.v1.url}/logout`);
    assert.equal(logout.status, 302);
    assert.match(String(logout.headers['set-cookie']), /^user=;.*Max-Age=0/);
    const bad = await fetchText(`${productpage.v1.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=%3Cscript%3E' });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['set-cookie'], undefined);
  });

  it('productpage propagates tracing headers and the signed-in user on every upstream call', async () => {
    const capture = await startCapture((path) => {
      if (path.startsWith('/details/')) return { status: 200, body: { id: 0, author: 'Captured Author' } };
      if (path.startsWith('/reviews/')) return { status: 200, body: { id: '0', podname: 'cap', clustername: 'c', version: 'v2', reviews: [{ reviewer: 'R', text: 'ok', rating: { stars: 3, color: 'black' } }] } };
      return { status: 200, body: { id: 0, ratings: {} } };
    });
    const pp = await startService('productpage', { DETAILS_URL: capture.url, REVIEWS_URL: capture.url, RATINGS_URL: `${capture.url}/` });
    const page = await fetchText(`${pp.url}/productpage`, { headers: { ...TRACE_HEADERS, 'end-user': 'someone-else', cookie: 'user=jason', 'x-not-propagated': 'secret' } });
    assert.match(page.text, /Captured Author/);
    assert.deepEqual(starsOf(page.text), [{ count: 3, color: 'black' }]);
    await fetchText(`${pp.url}/api/v1/products/0/ratings`, { headers: TRACE_HEADERS });

    assert.deepEqual(capture.requests.map((r) => r.url).sort(), ['/details/0', '/ratings/0', '/reviews/0']);
    for (const r of capture.requests) {
      for (const [name, value] of Object.entries(TRACE_HEADERS)) assert.equal(r.headers[name], value, `${r.url}: ${name}`);
      assert.equal(r.headers['x-not-propagated'], undefined, `${r.url}: only the listed headers travel`);
    }
    const byPath = (p: string): Recorded => capture.requests.find((r) => r.url === p)!;
    // The cookie's user wins over an inbound end-user header; without a cookie the header travels as is.
    assert.equal(byPath('/details/0').headers['end-user'], 'jason');
    assert.equal(byPath('/reviews/0').headers['end-user'], 'jason');
    assert.equal(byPath('/ratings/0').headers['end-user'], undefined);
    assert.ok(PROPAGATED_HEADERS.every((h) => h === 'end-user' || h in TRACE_HEADERS), 'the test covers every propagated header');
  });

  it('reviews propagates the same headers to ratings', async () => {
    const capture = await startCapture(() => ({ status: 200, body: { id: 0, ratings: { Reviewer1: 1, Reviewer2: 2 } } }));
    const rv = await startService('reviews', { SERVICE_VERSION: 'v2', RATINGS_URL: capture.url });
    const { body } = await fetchJson<ReviewsBody>(`${rv.url}/reviews/0`, { ...TRACE_HEADERS, 'end-user': 'jason', 'x-not-propagated': 'secret' });
    assert.deepEqual(body.reviews.map((r) => r.rating?.stars), [1, 2]);
    assert.equal(capture.requests.length, 1);
    const seen = capture.requests[0];
    assert.equal(seen.url, '/ratings/0');
    for (const [name, value] of Object.entries({ ...TRACE_HEADERS, 'end-user': 'jason' })) assert.equal(seen.headers[name], value, name);
    assert.equal(seen.headers['x-not-propagated'], undefined);
  });

  it('shows "ratings unavailable" when ratings fails or cannot be reached', async () => {
    const failing = await startCapture(() => ({ status: 500, body: { error: 'fault filter abort' } }));
    const [v2, v3] = await Promise.all([
      startService('reviews', { SERVICE_VERSION: 'v2', RATINGS_URL: failing.url }),
      startService('reviews', { SERVICE_VERSION: 'v3', RATINGS_URL: `http://127.0.0.1:${await closedPort()}` }),
    ]);
    for (const rv of [v2, v3]) {
      const { status, body } = await fetchJson<ReviewsBody>(`${rv.url}/reviews/0`);
      assert.equal(status, 200);
      assert.deepEqual(body.reviews.map((r) => r.rating), [{ error: 'Ratings service is currently unavailable' }, { error: 'Ratings service is currently unavailable' }]);
    }
    const pp = await startService('productpage', { DETAILS_URL: details.url, REVIEWS_URL: v2.url, RATINGS_URL: failing.url });
    const page = await fetchText(`${pp.url}/productpage`);
    assert.equal(page.status, 200);
    assert.deepEqual(starsOf(page.text), []);
    assert.equal([...page.text.matchAll(/Ratings service is currently unavailable/g)].length, 2);
    const api = await fetchJson(`${pp.url}/api/v1/products/0/ratings`);
    assert.equal(api.status, 500, 'the upstream status is relayed');
  });

  it('shows an error when details is down and when reviews times out (with one retry)', async () => {
    const hanging = await startCapture(() => ({ status: 200, hang: true }));
    const pp = await startService('productpage', {
      DETAILS_URL: `http://127.0.0.1:${await closedPort()}`,
      REVIEWS_URL: hanging.url,
      RATINGS_URL: ratings.url,
      UPSTREAM_TIMEOUT_MS: '300',
    });
    const started = Date.now();
    const page = await fetchText(`${pp.url}/productpage`);
    const elapsed = Date.now() - started;
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(PAGE_MESSAGES.detailsUnavailable), 'details message');
    assert.ok(page.text.includes(PAGE_MESSAGES.reviewsUnavailable), 'reviews message');
    assert.equal(hanging.requests.length, 2, 'reviews is tried twice');
    assert.ok(elapsed >= 550 && elapsed < 5_000, `two 300 ms attempts took ${elapsed} ms`);
    const api = await fetchJson(`${pp.url}/api/v1/products/0`);
    assert.equal(api.status, 503);
    assert.match(String(api.body.error), /details/);
  });

  it('sends every upstream call through HTTP_PROXY in absolute form (explicit mode)', async () => {
    const names: Record<string, number> = { details: details.port, ratings: ratings.port };
    const proxy = await startForwardProxy(names);
    // Default *_URLs (http://details:9080 …): only the proxy knows where those names live.
    const rv = await startService('reviews', { SERVICE_VERSION: 'v2', HTTP_PROXY: proxy.url });
    names.reviews = rv.port;
    const pp = await startService('productpage', { HTTP_PROXY: proxy.url });
    const page = await fetchText(`${pp.url}/productpage`, { headers: { cookie: 'user=jason', 'x-request-id': 'via-proxy' } });
    assert.deepEqual(starsOf(page.text), [{ count: 5, color: 'black' }, { count: 4, color: 'black' }]);
    assert.match(page.text, /Ines Marlowe/);
    assert.deepEqual(proxy.connects, [], 'no CONNECT tunnels');
    assert.deepEqual(proxy.requests.map((r) => `${r.method} ${r.url}`).sort(), [
      'GET http://details:9080/details/0',
      'GET http://ratings:9080/ratings/0',
      'GET http://reviews:9080/reviews/0',
    ]);
    for (const r of proxy.requests) {
      assert.equal(r.headers['end-user'], 'jason', r.url);
      assert.equal(r.headers['x-request-id'], 'via-proxy', r.url);
      assert.equal(r.headers.host, new URL(r.url).host, r.url);
    }
  });

  it('logs nothing per request unless DEBUG is set', async () => {
    await fetchText(`${productpage.v3.url}/productpage`);
    for (const s of [productpage.v3, reviews.v3, ratings, details]) {
      const { stdout, stderr } = s.output();
      assert.match(stdout, /^\w+ v\d listening on 127\.0\.0\.1:\d+\n$/);
      assert.equal(stderr, '');
    }
    const noisy = await startService('details', { DEBUG: '1' });
    await fetchText(`${noisy.url}/details/0`);
    await waitUntil(() => noisy.output().stderr.includes('GET /details/0 -> 200'), 'a debug line');
  });

  it('NO_PROXY bypasses the proxy', async () => {
    const proxy = await startForwardProxy({});
    const pp = await startService('productpage', { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1', DETAILS_URL: details.url, REVIEWS_URL: reviews.v1.url });
    const page = await fetchText(`${pp.url}/productpage`);
    assert.match(page.text, /Ines Marlowe/);
    assert.equal(proxy.requests.length, 0);
  });
});
