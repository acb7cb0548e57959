/**
 * `npm test` runs this first: checks, in well under a second, what the later steps need that an
 * install cannot provide (a browser for Playwright), so a missing one is reported before minutes
 * of typecheck, lint and unit tests rather than after them.
 */
import { resolveLocalBrowser } from "./lib/browser";

const browser = resolveLocalBrowser();
if (!browser.ok) {
  console.error(`npm test: ${browser.message}`);
  process.exit(1);
}
console.log(`npm test: browser tests will use ${browser.path} (${browser.source})`);
