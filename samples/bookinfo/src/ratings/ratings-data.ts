/**
 * Stars per reviewer for each product. The reviewer names are the keys reviews looks up, so
 * they match the reviewers in reviews/review-data.ts.
 */
export const PRODUCT_RATINGS: ReadonlyMap<number, Readonly<Record<string, number>>> = new Map([
  [0, { Reviewer1: 5, Reviewer2: 4 }],
]);
