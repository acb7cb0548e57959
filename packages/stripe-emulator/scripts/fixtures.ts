/**
 * `npm run stripe:fixtures <file.json>`: runs a Stripe CLI fixture file (`stripe fixtures` format, with
 * `${name:path}` references) against the emulator (STRIPE_EMULATOR_URL or --url, default http://127.0.0.1:12111).
 *
 *   npm run stripe:fixtures -- seed.json --url http://127.0.0.1:12111
 */
import { fixturesCli } from "../src/fixtures";

fixturesCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
