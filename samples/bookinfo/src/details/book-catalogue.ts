/** The facts details serves about one book, in Bookinfo's JSON field names. */
export interface BookDetails {
  readonly id: number;
  readonly author: string;
  readonly year: number;
  readonly type: 'paperback' | 'hardcover' | 'ebook';
  readonly pages: number;
  readonly publisher: string;
  readonly language: string;
  readonly 'ISBN-10': string;
  readonly 'ISBN-13': string;
}

/**
 * Plexus's own demo book: an invented title by an invented author. The ISBNs carry valid
 * check digits so that clients which validate them do not trip, but name no real edition.
 */
export const BOOK_CATALOGUE: ReadonlyMap<number, BookDetails> = new Map([
  [0, {
    id: 0,
    author: 'Ines Marlowe',
    year: 2011,
    type: 'paperback',
    pages: 312,
    publisher: 'Lantern Row Press',
    language: 'English',
    'ISBN-10': '1999904125',
    'ISBN-13': '9781999904128',
  }],
]);
