/** A review's rating: stars in the version's colour, or why ratings could not be had. */
export type ReviewRating =
  | { readonly stars: number; readonly color: 'black' | 'red' }
  | { readonly error: string };

/** One review in the answer; `rating` is absent from v1 and for reviewers ratings does not know. */
export interface ReviewEntry {
  readonly reviewer: string;
  readonly text: string;
  readonly rating?: ReviewRating;
}

/** The body of `GET /reviews/{id}` (Bookinfo's field names, plus `version`). */
export interface ReviewsResponse {
  /** The product id, as a string the way Bookinfo's reviews answers it. */
  readonly id: string;
  readonly podname: string;
  readonly clustername: string;
  readonly version: string;
  readonly reviews: readonly ReviewEntry[];
}

/** Shown in place of stars when ratings fails, times out or answers garbage. */
export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';
