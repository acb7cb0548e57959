import "server-only";
import { supportEmail } from "@/lib/support";

/**
 * Pages answer 503 while the database is down. A page cannot set its own status (App Router
 * renders the error boundary with 500), so the request that first hits the outage leaves a
 * per-process marker here (instrumentation.ts `onRequestError`, lib/http/route.ts), and proxy.ts
 * answers the page requests that follow with `unavailablePage()` until a bounded ping succeeds.
 * No marker, no work: a healthy database costs page requests one property read.
 *
 * proxy.ts runs in the Node.js runtime in the same process as rendering (Next loads it with
 * `require`), so both see this `globalThis`. This module imports nothing server-side: the proxy
 * bundle must not open a database of its own; the probe is the app's, handed over with the marker.
 */

/** What the proxy tells clients to wait, and the 503 page's refresh hint. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;
/** One ping of a marked outage answers within this (a frozen server never answers at all). */
export const OUTAGE_PROBE_BUDGET_MS = 1_000;
/** After a failed ping, page requests trust the marker this long before pinging again. */
const OUTAGE_RECHECK_MS = 1_000;

interface OutageMarker {
  probe: () => Promise<unknown>;
  checkedAt: number;
  /** A ping has been sent and has not settled (a frozen server may hold it for long). */
  pinging?: boolean;
  running?: Promise<boolean>;
}

const globalForOutage = globalThis as unknown as { __databaseOutage?: OutageMarker };

/** Records that the database was found unreachable; `probe` must resolve once it answers again. */
export function markDatabaseOutage(probe: () => Promise<unknown>): void {
  globalForOutage.__databaseOutage ??= { probe, checkedAt: Date.now() };
}

/** True when no outage is marked: the proxy's whole cost on a healthy database. */
export function noDatabaseOutageMarked(): boolean {
  return globalForOutage.__databaseOutage === undefined;
}

function clear(marker: OutageMarker) {
  if (globalForOutage.__databaseOutage === marker) globalForOutage.__databaseOutage = undefined;
}

function ping(marker: OutageMarker): Promise<boolean> {
  marker.pinging = true;
  const answered = Promise.resolve()
    .then(marker.probe)
    .then(
      () => {
        clear(marker); // even when it answers after the budget: the database is back
        return true;
      },
      () => false,
    )
    .finally(() => {
      marker.pinging = false;
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), OUTAGE_PROBE_BUDGET_MS);
  });
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

/**
 * Whether the marked outage still holds. At most one ping per process is ever outstanding (one
 * held by a frozen server is not repeated), page requests wait for it at most
 * OUTAGE_PROBE_BUDGET_MS, and none is sent within OUTAGE_RECHECK_MS of a failed one. A ping that
 * succeeds clears the marker.
 */
export async function databaseStillDown(): Promise<boolean> {
  const marker = globalForOutage.__databaseOutage;
  if (!marker) return false;
  if (!marker.running && (marker.pinging || Date.now() - marker.checkedAt < OUTAGE_RECHECK_MS)) return true;
  marker.running ??= ping(marker).then((up) => {
    marker.running = undefined;
    marker.checkedAt = Date.now();
    return !up;
  });
  return marker.running;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The self-contained 503 page (no scripts, no app assets: nothing that needs the app to render). */
export function unavailablePage(email = supportEmail()): string {
  const address = escapeHtml(email);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Temporarily unavailable</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
    font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; background: #f9fafb; color: #111827; }
  main { max-width: 28rem; padding: 2rem; text-align: center; }
  h1 { font-size: 1.5rem; font-weight: 600; margin: 0 0 1rem; }
  p { color: #4b5563; line-height: 1.5; margin: 0 0 1rem; }
  a { color: #1d4ed8; font-weight: 500; }
  .retry { display: inline-block; border-radius: 0.375rem; background: #2563eb; color: #fff; padding: 0.5rem 1rem; text-decoration: none; }
  @media (prefers-color-scheme: dark) { body { background: #030712; color: #f9fafb; } p { color: #9ca3af; } a { color: #93c5fd; } .retry { color: #fff; } }
</style>
</head>
<body>
<main role="alert" data-testid="page-unavailable">
  <h1>We&#39;ll be right back</h1>
  <p>This page is temporarily unavailable while we reconnect to our database. Nothing you did caused this, and nothing was lost. Please try again in a few seconds.</p>
  <p><a class="retry" href="">Try again</a></p>
  <p data-testid="support-contact">Still not working? Write to <a href="mailto:${address}">${address}</a>.</p>
</main>
</body>
</html>
`;
}
