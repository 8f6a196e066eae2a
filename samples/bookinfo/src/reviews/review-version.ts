/** The three behaviours of the reviews service that the routing demos tell apart. */
export type ReviewsVersion = 'v1' | 'v2' | 'v3';

/** Star colour per version: v1 shows no stars, so it never asks ratings. */
export const STAR_COLOUR: Readonly<Record<ReviewsVersion, 'black' | 'red' | undefined>> = {
  v1: undefined,
  v2: 'black',
  v3: 'red',
};

/** Narrows `SERVICE_VERSION` for reviews, refusing anything it would not know how to render. */
export function parseReviewsVersion(value: string): ReviewsVersion {
  if (value === 'v1' || value === 'v2' || value === 'v3') return value;
  throw new Error(`reviews SERVICE_VERSION must be v1, v2 or v3, got ${JSON.stringify(value)}`);
}
