import { sendJson, sendMethodNotAllowed, sendNotFound } from '../shared/http-replies.js';
import { matchIdPath, parseProductId } from '../shared/product-id.js';
import type { RequestHandler } from '../shared/start-service.js';
import { PRODUCT_RATINGS } from './ratings-data.js';

/** Settings of the ratings service. */
export interface RatingsOptions {
  readonly version: string;
  readonly ratings?: ReadonlyMap<number, Readonly<Record<string, number>>>;
}

/** `GET /ratings/{id}` answers `{ id, ratings: { reviewer: stars } }`; `GET /health` says it is up. */
export function createRatingsHandler(options: RatingsOptions): RequestHandler {
  const table = options.ratings ?? PRODUCT_RATINGS;
  return (req, res, url) => {
    if (url.pathname === '/health') {
      sendJson(res, 200, { status: 'healthy', service: 'ratings', version: options.version });
      return;
    }
    const segment = matchIdPath(url.pathname, 'ratings');
    if (segment === undefined) return sendNotFound(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendMethodNotAllowed(res, 'GET');
    const id = parseProductId(segment);
    if (id === undefined) return sendJson(res, 400, { error: `product id must be a non-negative integer, got ${JSON.stringify(segment)}` });
    const ratings = table.get(id);
    if (ratings === undefined) return sendNotFound(res, `no ratings for product ${id}`);
    sendJson(res, 200, { id, ratings });
  };
}
