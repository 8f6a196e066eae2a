import { escapeHtml } from './html-escape.js';

const MAX_STARS = 5;

/**
 * Renders a 0–5 star rating in the colour reviews chose (v2 black, v3 red). The count and
 * colour are repeated as data attributes so that scripts and tests need not count glyphs.
 */
export function renderStars(stars: number, color: string): string {
  const filled = Math.max(0, Math.min(MAX_STARS, Math.round(stars)));
  const glyphs = '\u2605'.repeat(filled) + '\u2606'.repeat(MAX_STARS - filled);
  const safeColour = /^[a-z]{1,20}$/.test(color) ? color : 'black';
  return `<span class="stars" data-stars="${filled}" data-color="${safeColour}" style="color: ${safeColour}" ` +
    `aria-label="${filled} of ${MAX_STARS} stars">${escapeHtml(glyphs)}</span>`;
}
