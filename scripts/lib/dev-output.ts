/**
 * The dev terminal: the app's pino lines (one JSON object per line, as production ships them to a log
 * collector) are pretty-printed by pino-pretty; every other line of `next dev` passes through as is.
 * Development only: lib/logger.ts writes JSON everywhere, and `next build`/`next start` never come here.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { prettyFactory } from "pino-pretty";

export function prettyPrintLogs(source: Readable, target: Writable, colorize: boolean): void {
  const pretty = prettyFactory({ colorize, translateTime: "HH:MM:ss.l", ignore: "pid,hostname,service" });
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  // A non-JSON line comes back as it was (with its newline).
  lines.on("line", (line) => target.write(line.startsWith("{") ? pretty(line) : `${line}\n`));
}

/** The pages a visitor opens first: compiled in the background so the first click is not a 20 s wait. */
export const WARM_ROUTES = ["/pricing", "/", "/sign-in", "/billing", "/dashboard"];

/**
 * Waits until the app answers its health check (so the warm-up never delays it), then requests each
 * route once, in order (next dev compiles a route on its first request). Prints one line before
 * and one when done; never fails the run.
 */
export async function warmRoutes(baseUrl: string, shownUrl: string, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  while (!signal.aborted) {
    const up = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(60_000)]) }).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (Date.now() - started > 300_000) return;
  }
  if (signal.aborted) return;
  log(
    `… compiling the first pages (${WARM_ROUTES.join(", ")}) in the background: about 20–30 s on a first start; a page opened meanwhile waits for its compile.`,
  );
  const warmStarted = Date.now();
  for (const route of WARM_ROUTES) {
    if (signal.aborted) return;
    await fetch(`${baseUrl}${route}`, { redirect: "manual", signal: AbortSignal.any([signal, AbortSignal.timeout(180_000)]) })
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
  }
  if (!signal.aborted) log(`✓ ready: ${shownUrl} (first pages compiled in ${Math.round((Date.now() - warmStarted) / 1000)} s)`);
}
