import type { Product } from './products.js';

/** One review as the page shows it. */
export interface ReviewView {
  readonly reviewer: string;
  readonly text: string;
  readonly stars?: { readonly count: number; readonly color: string };
  readonly ratingError?: string;
}

/** Everything the product page renders, gathered from details and reviews. */
export interface ProductPageModel {
  readonly product: Product;
  readonly user?: string;
  /** Book facts by Bookinfo's field name, or `undefined` when details could not be had. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The reviews, or `undefined` when reviews could not be had. */
  readonly reviews?: {
    readonly version: string;
    readonly podname: string;
    readonly entries: readonly ReviewView[];
  };
}

/** Reads a details answer defensively: any JSON object will do. */
export function detailsView(body: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/**
 * Reads a reviews answer defensively. Whatever version answered, a review with
 * `rating.stars` gets stars and one with `rating.error` gets the error text.
 */
export function reviewsView(body: unknown): ProductPageModel['reviews'] {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { version?: unknown; podname?: unknown; reviews?: unknown };
  if (!Array.isArray(b.reviews)) return undefined;
  const entries: ReviewView[] = [];
  for (const raw of b.reviews as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const r = raw as { reviewer?: unknown; text?: unknown; rating?: { stars?: unknown; color?: unknown; error?: unknown } };
    const view: { -readonly [K in keyof ReviewView]: ReviewView[K] } = { reviewer: String(r.reviewer ?? 'anonymous'), text: String(r.text ?? '') };
    if (typeof r.rating?.stars === 'number') view.stars = { count: r.rating.stars, color: typeof r.rating.color === 'string' ? r.rating.color : 'black' };
    else if (typeof r.rating?.error === 'string') view.ratingError = r.rating.error;
    entries.push(view);
  }
  return { version: String(b.version ?? 'unknown'), podname: String(b.podname ?? 'unknown'), entries };
}
