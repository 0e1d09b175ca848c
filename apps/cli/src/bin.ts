/**
 * The `prunekit` executable. Thin: parsing, printing and progress; the work is done by the
 * `@prunekit/*` packages.
 */
import { main } from './main.js';

// No SIGINT handler on purpose: training steps are synchronous, so a handler would only run after
// the run ends; the default action stops the process at once, and `prunekit resume <dir>` continues
// from the last checkpoint (the stale lock of the dead process is taken over).
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = code;
// Let pending stdout writes flush, then exit even if a backend keeps handles open.
const done = () => process.exit(code);
if (process.stdout.writableLength > 0) process.stdout.once('drain', done);
else setImmediate(done);
