/**
 * What the product page says when a part of it cannot be had. Exported so that end-to-end
 * tests of the fault-injection demos can look for the exact text.
 */
export const PAGE_MESSAGES = {
  detailsUnavailable: 'The book details cannot be shown right now: the details service did not answer.',
  reviewsUnavailable: 'The reviews cannot be shown right now: the reviews service did not answer in time.',
  productUnknown: 'There is no such product in this shop.',
} as const;
