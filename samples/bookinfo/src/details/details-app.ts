import { sendJson, sendMethodNotAllowed, sendNotFound } from '../shared/http-replies.js';
import { matchIdPath, parseProductId } from '../shared/product-id.js';
import type { RequestHandler } from '../shared/start-service.js';
import { BOOK_CATALOGUE, type BookDetails } from './book-catalogue.js';

/** Settings of the details service. */
export interface DetailsOptions {
  readonly version: string;
  readonly catalogue?: ReadonlyMap<number, BookDetails>;
}

/** `GET /details/{id}` answers the book's facts; `GET /health` says it is up. */
export function createDetailsHandler(options: DetailsOptions): RequestHandler {
  const catalogue = options.catalogue ?? BOOK_CATALOGUE;
  return (req, res, url) => {
    if (url.pathname === '/health') {
      sendJson(res, 200, { status: 'healthy', service: 'details', version: options.version });
      return;
    }
    const segment = matchIdPath(url.pathname, 'details');
    if (segment === undefined) return sendNotFound(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendMethodNotAllowed(res, 'GET');
    const id = parseProductId(segment);
    if (id === undefined) return sendJson(res, 400, { error: `product id must be a non-negative integer, got ${JSON.stringify(segment)}` });
    const book = catalogue.get(id);
    if (book === undefined) return sendNotFound(res, `no details for product ${id}`);
    sendJson(res, 200, book);
  };
}
