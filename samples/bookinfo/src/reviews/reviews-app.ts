import type { Dispatcher } from 'undici';
import { sendJson, sendMethodNotAllowed, sendNotFound } from '../shared/http-replies.js';
import { matchIdPath, parseProductId } from '../shared/product-id.js';
import { pickPropagatedHeaders } from '../shared/propagated-headers.js';
import type { RequestHandler } from '../shared/start-service.js';
import { getUpstreamJson } from '../shared/upstream-call.js';
import { PRODUCT_REVIEWS, type WrittenReview } from './review-data.js';
import { STAR_COLOUR, type ReviewsVersion } from './review-version.js';
import { RATINGS_UNAVAILABLE, type ReviewEntry, type ReviewRating, type ReviewsResponse } from './reviews-response.js';

/**
 * Bookinfo's reviews gives ratings 10 s. The delay demo depends on it being longer than the
 * 7 s injected delay while productpage's own budget for reviews is shorter.
 */
export const RATINGS_TIMEOUT_MS = 10_000;

/** Settings of the reviews service. */
export interface ReviewsOptions {
  readonly version: ReviewsVersion;
  /** Base URL of ratings, e.g. `http://ratings:9080`. */
  readonly ratingsUrl: string;
  readonly dispatcher: Dispatcher;
  readonly ratingsTimeoutMs?: number;
  readonly podname: string;
  readonly clustername: string;
  readonly reviews?: ReadonlyMap<number, readonly WrittenReview[]>;
  readonly debug?: (line: string) => void;
}

/** `GET /reviews/{id}`: the written reviews, with stars from ratings for v2 (black) and v3 (red). */
export function createReviewsHandler(options: ReviewsOptions): RequestHandler {
  const table = options.reviews ?? PRODUCT_REVIEWS;
  const colour = STAR_COLOUR[options.version];
  return async (req, res, url) => {
    if (url.pathname === '/health') {
      sendJson(res, 200, { status: 'healthy', service: 'reviews', version: options.version });
      return;
    }
    const segment = matchIdPath(url.pathname, 'reviews');
    if (segment === undefined) return sendNotFound(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendMethodNotAllowed(res, 'GET');
    const id = parseProductId(segment);
    if (id === undefined) return sendJson(res, 400, { error: `product id must be a non-negative integer, got ${JSON.stringify(segment)}` });
    const written = table.get(id);
    if (written === undefined) return sendNotFound(res, `no reviews for product ${id}`);

    let entries: ReviewEntry[] = written.map((r) => ({ reviewer: r.reviewer, text: r.text }));
    if (colour !== undefined) {
      const stars = await fetchStars(options, id, pickPropagatedHeaders(req.headers));
      entries = entries.map((e) => ({ ...e, ...ratingFor(e.reviewer, stars, colour) }));
    }
    const body: ReviewsResponse = { id: String(id), podname: options.podname, clustername: options.clustername, version: options.version, reviews: entries };
    sendJson(res, 200, body);
  };
}

/** Stars by reviewer, or `undefined` when ratings could not be had. */
async function fetchStars(options: ReviewsOptions, id: number, headers: Record<string, string>): Promise<Record<string, number> | undefined> {
  const result = await getUpstreamJson(`${options.ratingsUrl}/ratings/${id}`, {
    dispatcher: options.dispatcher,
    headers,
    timeoutMs: options.ratingsTimeoutMs ?? RATINGS_TIMEOUT_MS,
    onFailure: options.debug,
  });
  if (!result.ok) return undefined;
  const ratings = (result.body as { ratings?: unknown } | undefined)?.ratings;
  if (typeof ratings !== 'object' || ratings === null) {
    options.debug?.(`ratings answered without a ratings object`);
    return undefined;
  }
  const stars: Record<string, number> = {};
  for (const [reviewer, value] of Object.entries(ratings)) {
    if (typeof value === 'number' && Number.isFinite(value)) stars[reviewer] = value;
  }
  return stars;
}

function ratingFor(reviewer: string, stars: Record<string, number> | undefined, color: 'black' | 'red'): { rating?: ReviewRating } {
  if (stars === undefined) return { rating: { error: RATINGS_UNAVAILABLE } };
  const n = stars[reviewer];
  // A reviewer ratings does not know simply has no stars, rather than a made-up number.
  return n === undefined ? {} : { rating: { stars: n, color } };
}
