import { escapeHtml } from './html-escape.js';
import type { ProductPageModel } from './page-model.js';
import { PAGE_MESSAGES } from './page-messages.js';
import { renderStars } from './render-stars.js';

const DETAIL_ROWS: readonly [field: string, label: string][] = [
  ['author', 'Author'],
  ['publisher', 'Publisher'],
  ['year', 'Published'],
  ['type', 'Format'],
  ['pages', 'Pages'],
  ['language', 'Language'],
  ['ISBN-10', 'ISBN-10'],
  ['ISBN-13', 'ISBN-13'],
];

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; color: #1d232b; background: #f6f4ef; }
  header { display: flex; justify-content: space-between; align-items: center; padding: 0.8rem 1.5rem; background: #23395b; color: #fff; }
  header a, header button { color: #fff; }
  header form { display: flex; gap: 0.4rem; align-items: center; margin: 0; }
  main { display: grid; grid-template-columns: minmax(16rem, 1fr) minmax(16rem, 1fr); gap: 1.5rem; padding: 1.5rem; max-width: 64rem; margin: auto; }
  section { background: #fff; border-radius: 6px; padding: 1rem 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,0.12); }
  .summary { grid-column: 1 / -1; }
  table { border-collapse: collapse; } th { text-align: left; padding-right: 1rem; font-weight: 600; }
  blockquote { margin: 0 0 1rem; padding-left: 0.8rem; border-left: 3px solid #c9c2b2; }
  .stars { font-size: 1.2rem; letter-spacing: 0.1rem; }
  .unavailable { color: #9b2c2c; }
  .served-by { text-align: center; font-size: 0.8rem; color: #666; padding-bottom: 1rem; }
`;

/** The HTML product page: summary, details, reviews, and a sign-in form or the signed-in user. */
export function renderProductPage(model: ProductPageModel): string {
  const { product } = model;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(product.title)} · Bookinfo on Plexus</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <strong>Bookinfo on Plexus</strong>
  ${renderSession(model.user)}
</header>
<main>
  <section class="summary" id="summary">
    <h1>${escapeHtml(product.title)}</h1>
    <p>${product.descriptionHtml}</p>
  </section>
  <section id="details">
    <h2>Book details</h2>
    ${renderDetails(model.details)}
  </section>
  <section id="reviews">
    <h2>Reviews</h2>
    ${renderReviews(model.reviews)}
  </section>
</main>
<p class="served-by">${model.reviews ? `reviews served by <span id="reviews-version">${escapeHtml(model.reviews.version)}</span> on ${escapeHtml(model.reviews.podname)}` : ''}</p>
</body>
</html>
`;
}

function renderSession(user: string | undefined): string {
  if (user !== undefined) {
    return `<form method="post" action="/logout"><span>Signed in as <strong id="user">${escapeHtml(user)}</strong></span><button type="submit">Sign out</button></form>`;
  }
  return `<form method="post" action="/login">
    <label>User <input name="username" autocomplete="username" required pattern="[A-Za-z0-9._@\\-]{1,64}"></label>
    <label>Password <input name="passwd" type="password" autocomplete="current-password"></label>
    <button type="submit">Sign in</button>
  </form>`;
}

function renderDetails(details: ProductPageModel['details']): string {
  if (details === undefined) return `<p class="unavailable" id="details-unavailable">${escapeHtml(PAGE_MESSAGES.detailsUnavailable)}</p>`;
  const rows = DETAIL_ROWS.filter(([field]) => details[field] !== undefined)
    .map(([field, label]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(details[field])}</td></tr>`);
  return `<table>${rows.join('')}</table>`;
}

function renderReviews(reviews: ProductPageModel['reviews']): string {
  if (reviews === undefined) return `<p class="unavailable" id="reviews-unavailable">${escapeHtml(PAGE_MESSAGES.reviewsUnavailable)}</p>`;
  if (reviews.entries.length === 0) return '<p>No reviews yet.</p>';
  return reviews.entries
    .map((r) => {
      const rating = r.stars !== undefined
        ? renderStars(r.stars.count, r.stars.color)
        : r.ratingError !== undefined ? `<span class="unavailable rating-unavailable">${escapeHtml(r.ratingError)}</span>` : '';
      return `<blockquote class="review"><p>${escapeHtml(r.text)}</p><footer>— <cite>${escapeHtml(r.reviewer)}</cite> ${rating}</footer></blockquote>`;
    })
    .join('\n    ');
}

/** A small page for refusals (unknown product, bad sign-in). */
export function renderNotice(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/productpage">Back to the product page</a></p></body></html>
`;
}

/** The landing page at `/`. */
export function renderIndex(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bookinfo on Plexus</title></head>
<body><h1>Bookinfo on Plexus</h1>
<p>A four-service demo shop: productpage calls details and reviews, and reviews v2 and v3 call ratings.</p>
<ul><li><a href="/productpage">The product page</a></li><li><a href="/api/v1/products">The product list as JSON</a></li></ul>
</body></html>
`;
}
