/**
 * The deepest nesting of arrays and objects in JSON text, scanned without parsing (strings and
 * their escapes skipped), stopping as soon as it passes `limit`. Checked before `JSON.parse`, so
 * a body of millions of nested brackets is refused before it becomes millions of objects, and
 * before any recursive code (validation, serialization) could overflow the stack on it.
 */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}
