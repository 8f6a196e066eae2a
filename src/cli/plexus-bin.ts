// The `plexus` entry point inside a build directory (dist/, or a test's outDir), so that
// commands which start other plexus processes (up, run, demo) start the same build.
import { main, processIO } from './main.js';

process.exitCode = await main(process.argv.slice(2), processIO);
