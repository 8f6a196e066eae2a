const { main, processIO } = await import('./dist-p2/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2), processIO);
