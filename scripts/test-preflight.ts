/**
 * `npm test` runs this first: checks, in well under a second, what the later steps need that an
 * install cannot provide (a browser for Playwright), so a missing one is reported before minutes
 * of typecheck, lint and unit tests rather than after them.
 */
import { resolveLocalBrowser } from "./lib/browser";
import { pgbouncerAvailable } from "./lib/pgbouncer";

const browser = resolveLocalBrowser();
if (!browser.ok) {
  console.error(`npm test: ${browser.message}`);
  process.exit(1);
}
console.log(`npm test: browser tests will use ${browser.path} (${browser.source})`);

// With a Postgres server the database suites also run through PgBouncer in transaction mode (the
// production shape behind a pooler); without the binary that half would silently not run.
if (process.env.DATABASE_URL) {
  if (!pgbouncerAvailable()) {
    console.error("npm test: DATABASE_URL is set but `pgbouncer` is not installed (apt-get install pgbouncer / brew install pgbouncer)");
    process.exit(1);
  }
  console.log("npm test: database suites run on PGlite, Postgres and Postgres through PgBouncer (transaction mode)");
}
