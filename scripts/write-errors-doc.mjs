// Regenerates docs/errors.md from the code table in src/api/errors.ts (after a build).
import { writeFileSync } from 'node:fs';
const { ERROR_CODES } = await import(new URL('../dist/src/api/errors.js', import.meta.url));
const rows = Object.entries(ERROR_CODES).map(([code, text]) => `| \`${code}\` | ${text} |`);
writeFileSync(new URL('../docs/errors.md', import.meta.url), `# Error codes

Every error Plexus raises on purpose carries one of these stable codes (\`PlexusError.code\`).
Tests compare codes, never messages. This file is generated from \`src/api/errors.ts\` by
\`node scripts/write-errors-doc.mjs\`; a test fails when the two differ.

| Code | Meaning |
|---|---|
${rows.join('\n')}
`);
