#!/usr/bin/env node
// The `plexus` command. The TypeScript is compiled to dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('plexus is not built yet: run `npm install` (or `npm run build`) in the plexus checkout.\n');
  process.exit(1);
}
const { main, processIO } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), processIO);
