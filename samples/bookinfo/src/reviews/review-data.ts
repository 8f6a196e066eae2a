/** One written review, before ratings are attached. */
export interface WrittenReview {
  readonly reviewer: string;
  readonly text: string;
}

/** The written reviews of each product; reviewer names are the keys ratings answers with. */
export const PRODUCT_REVIEWS: ReadonlyMap<number, readonly WrittenReview[]> = new Map([
  [0, [
    {
      reviewer: 'Reviewer1',
      text: 'A patient, salt-stained novel about a mapmaker who charts the harbours nobody visits. I read it in two evenings and then started it again.',
    },
    {
      reviewer: 'Reviewer2',
      text: 'Beautiful sentences and a quiet ending; the middle drifts a little, but the chapter on the fog signal is worth the whole book.',
    },
  ]],
]);
