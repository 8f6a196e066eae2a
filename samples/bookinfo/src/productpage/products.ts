/** One entry of the product list (`GET /api/v1/products`), in Bookinfo's field names. */
export interface Product {
  readonly id: number;
  readonly title: string;
  /** A short description as an HTML fragment; written here, so trusted. */
  readonly descriptionHtml: string;
}

/** Plexus's demo shop sells one invented book; details, reviews and ratings all know id 0. */
export const PRODUCTS: readonly Product[] = [
  {
    id: 0,
    title: 'The Cartographer of Quiet Harbours',
    descriptionHtml:
      'An old mapmaker sets out to chart every harbour that the shipping lanes forgot, and finds that each one ' +
      'keeps a different kind of silence. A small novel about <em>attention</em>, weather and the people who stay.',
  },
];

/** The product a page or API call refers to, if it exists. */
export function findProduct(id: number): Product | undefined {
  return PRODUCTS.find((p) => p.id === id);
}
