import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { sendHtml, sendJson, sendMethodNotAllowed, sendNotFound, sendRedirect } from '../shared/http-replies.js';
import { parseProductId } from '../shared/product-id.js';
import { pickPropagatedHeaders } from '../shared/propagated-headers.js';
import type { RequestHandler } from '../shared/start-service.js';
import { getUpstreamJson, type UpstreamResult } from '../shared/upstream-call.js';
import { detailsView, reviewsView } from './page-model.js';
import { PAGE_MESSAGES } from './page-messages.js';
import { PRODUCTS, findProduct } from './products.js';
import { readForm } from './read-form.js';
import { renderIndex, renderNotice, renderProductPage } from './render-page.js';
import { isValidUserName, sessionUser, signInCookie, signOutCookie } from './session-user.js';

/**
 * Bookinfo's productpage gives each upstream 3 s and tries reviews twice, about 6 s in all:
 * shorter than the 7 s the delay demo injects on ratings, which is the bug that demo shows.
 */
export const PRODUCTPAGE_TIMEOUTS = { perAttemptMs: 3_000, reviewsAttempts: 2 } as const;

/** Settings of the productpage service. */
export interface ProductPageOptions {
  readonly version: string;
  readonly detailsUrl: string;
  readonly reviewsUrl: string;
  readonly ratingsUrl: string;
  readonly dispatcher: Dispatcher;
  /** Per-attempt upstream timeout; default 3 s. */
  readonly timeoutMs?: number;
  readonly debug?: (line: string) => void;
}

/** Routes of productpage: the HTML page, sign-in/out, health and the JSON API. */
export function createProductPageHandler(options: ProductPageOptions): RequestHandler {
  const timeoutMs = options.timeoutMs ?? PRODUCTPAGE_TIMEOUTS.perAttemptMs;

  /** Headers for every upstream call: the propagated ones, with the signed-in user as `end-user`. */
  const upstreamHeaders = (req: IncomingMessage): Record<string, string> => {
    const headers = pickPropagatedHeaders(req.headers);
    const user = sessionUser(req.headers);
    if (user !== undefined) headers['end-user'] = user;
    return headers;
  };
  const call = (base: string, path: string, req: IncomingMessage, attempts = 1): Promise<UpstreamResult> =>
    getUpstreamJson(`${base}${path}`, { dispatcher: options.dispatcher, headers: upstreamHeaders(req), timeoutMs, attempts, onFailure: options.debug });
  const callDetails = (id: number, req: IncomingMessage) => call(options.detailsUrl, `/details/${id}`, req);
  const callReviews = (id: number, req: IncomingMessage) => call(options.reviewsUrl, `/reviews/${id}`, req, PRODUCTPAGE_TIMEOUTS.reviewsAttempts);
  const callRatings = (id: number, req: IncomingMessage) => call(options.ratingsUrl, `/ratings/${id}`, req);

  const productPage = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const id = parseProductId(url.searchParams.get('id') ?? '0');
    const product = id === undefined ? undefined : findProduct(id);
    if (product === undefined) return sendHtml(res, 404, renderNotice('Not found', PAGE_MESSAGES.productUnknown));
    const [details, reviews] = await Promise.all([callDetails(product.id, req), callReviews(product.id, req)]);
    const html = renderProductPage({
      product,
      user: sessionUser(req.headers),
      details: details.ok ? detailsView(details.body) : undefined,
      reviews: reviews.ok ? reviewsView(reviews.body) : undefined,
    });
    // The page itself succeeds even when a part of it could not be had, as Bookinfo's does.
    sendHtml(res, 200, html);
  };

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let name: string;
    try {
      name = ((await readForm(req)).get('username') ?? '').trim();
    } catch {
      return sendHtml(res, 413, renderNotice('Sign-in refused', 'The sign-in form was too large.'));
    }
    // Like Bookinfo, any password will do: the demo is about routing on the user, not auth.
    if (!isValidUserName(name)) {
      return sendHtml(res, 400, renderNotice('Sign-in refused', 'A user name is 1 to 64 letters, digits, dots, dashes, underscores or @.'));
    }
    sendRedirect(res, '/productpage', signInCookie(name));
  };

  return async (req, res, url) => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    if (path === '/health') return sendJson(res, 200, { status: 'healthy', service: 'productpage', version: options.version });
    if (path === '/' || path === '/index.html') return isRead ? sendHtml(res, 200, renderIndex()) : sendMethodNotAllowed(res, 'GET');
    if (path === '/productpage') return isRead ? productPage(req, res, url) : sendMethodNotAllowed(res, 'GET');
    if (path === '/login') return method === 'POST' ? login(req, res) : sendMethodNotAllowed(res, 'POST');
    if (path === '/logout') return isRead || method === 'POST' ? sendRedirect(res, '/productpage', signOutCookie()) : sendMethodNotAllowed(res, 'GET, POST');
    if (path === '/api/v1/products' || path.startsWith('/api/v1/products/')) {
      if (!isRead) return sendMethodNotAllowed(res, 'GET');
      return api(path, req, res);
    }
    sendNotFound(res);
  };

  async function api(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts = path.split('/').filter((p) => p !== '').slice(3); // after api/v1/products
    if (parts.length === 0) return sendJson(res, 200, PRODUCTS);
    const id = parseProductId(parts[0]);
    if (id === undefined) return sendJson(res, 400, { error: `product id must be a non-negative integer, got ${JSON.stringify(parts[0])}` });
    if (parts.length === 1) return passThrough(res, 'details', await callDetails(id, req));
    if (parts.length === 2 && parts[1] === 'reviews') return passThrough(res, 'reviews', await callReviews(id, req));
    if (parts.length === 2 && parts[1] === 'ratings') return passThrough(res, 'ratings', await callRatings(id, req));
    sendNotFound(res);
  }
}

/**
 * Relays an upstream's JSON answer with its status. When there is no answer to relay (a
 * timeout, a refused connection, a body that is not JSON) the caller gets a 503 naming the
 * service, so that the API and the page agree on what was unavailable.
 */
function passThrough(res: ServerResponse, service: string, result: UpstreamResult): void {
  if (result.ok || (result.status !== undefined && result.body !== undefined)) {
    sendJson(res, result.status ?? 200, result.body ?? null);
    return;
  }
  sendJson(res, 503, { error: `${service} is currently unavailable`, reason: result.reason });
}
