import "server-only";
import { env as serverEnv } from "@/env";
import { subscribe } from "node:diagnostics_channel";
import type { Server, ServerResponse } from "node:http";
import { closeAppDatabase } from "@/db/client";
import { logger } from "@/lib/logger";

/**
 * Graceful shutdown of a `next start` instance (SIGTERM from an orchestrator, SIGINT from a
 * terminal), installed by instrumentation.ts when `NEXT_MANUAL_SIG_HANDLE=true` (`npm start` sets
 * it; otherwise Next.js closes its listener at once and exits 143):
 *
 * 1. /api/health answers 503 `instance: "draining"` at once, while everything else is still served,
 *    for `SHUTDOWN_GRACE_MS` (default 3 s): a balancer checking every ~500 ms takes the instance
 *    out before it stops accepting connections, so no request routed to it is refused.
 * 2. Then the listener closes (new connections are refused), idle keep-alive connections are
 *    closed, and every answer still to come says `Connection: close`.
 * 3. Requests in flight (every HTTP request, pages and API, counted at Node's HTTP server through
 *    its diagnostics channel) finish; then the database pool is closed and the process exits 0.
 *    Whatever is still running at `SHUTDOWN_DEADLINE_MS` (default 10 s after the signal) is cut,
 *    and the process exits 1. A webhook cut that way was not answered 200, so Stripe retries it and
 *    the inbox makes the retry safe.
 */

export const DEFAULT_SHUTDOWN_DEADLINE_MS = 10_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 3_000;

interface Lifecycle {
  installed: boolean;
  /** From the signal on: health answers 503. */
  draining: boolean;
  /** From the end of the grace period on: the listener is closed. */
  closing: boolean;
  inFlight: Set<ServerResponse>;
  servers: Set<Server>;
  onIdle?: () => void;
}

// One per process: Next.js loads this module once for instrumentation and again for route handlers.
const globalForLifecycle = globalThis as unknown as { __serverLifecycle?: Lifecycle };
const lifecycle = (): Lifecycle =>
  (globalForLifecycle.__serverLifecycle ??= { installed: false, draining: false, closing: false, inFlight: new Set(), servers: new Set() });

/** True once this instance received SIGTERM/SIGINT and is on its way out. */
export function serverDraining(): boolean {
  return globalForLifecycle.__serverLifecycle?.draining === true;
}

const envMs = (value: string | undefined, fallback: number) => {
  const parsed = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
};

export function shutdownSettings(env: Record<string, string | undefined> = serverEnv): { graceMs: number; deadlineMs: number } {
  const deadlineMs = envMs(env.SHUTDOWN_DEADLINE_MS, DEFAULT_SHUTDOWN_DEADLINE_MS);
  return { deadlineMs, graceMs: Math.min(envMs(env.SHUTDOWN_GRACE_MS, DEFAULT_SHUTDOWN_GRACE_MS), deadlineMs) };
}

function onRequestStart(message: unknown): void {
  const { response, server } = message as { response: ServerResponse; server: Server };
  const state = lifecycle();
  state.servers.add(server);
  if (state.closing) response.shouldKeepAlive = false;
  state.inFlight.add(response);
  response.once("close", () => {
    state.inFlight.delete(response);
    if (state.inFlight.size === 0) state.onIdle?.();
  });
}

/** Counts requests in flight and handles SIGTERM/SIGINT as above. Once per process. */
export function installGracefulShutdown(): void {
  const state = lifecycle();
  if (state.installed) return;
  state.installed = true;
  subscribe("http.server.request.start", onRequestStart);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutDown(signal));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function idleWithin(ms: number): Promise<boolean> {
  const state = lifecycle();
  if (state.inFlight.size === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    state.onIdle = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
}

async function shutDown(signal: NodeJS.Signals): Promise<void> {
  const state = lifecycle();
  if (state.draining) return; // a terminal sends SIGINT to npm and to next at once
  state.draining = true;
  const started = Date.now();
  const { graceMs, deadlineMs } = shutdownSettings();
  const left = () => deadlineMs - (Date.now() - started);
  logger.info({ signal, inFlight: state.inFlight.size, graceMs, deadlineMs }, "shutting down: /api/health answers 503 draining");
  await sleep(graceMs);

  state.closing = true;
  for (const server of state.servers) {
    server.close();
    server.closeIdleConnections();
  }
  logger.info({ inFlight: state.inFlight.size }, "shutting down: listener closed, finishing requests in flight");
  const drained = await idleWithin(left());
  // Connections the last answers left open (a client that keeps reading nothing) go with the process.
  try {
    await Promise.race([closeAppDatabase(), sleep(Math.max(0, Math.min(2_000, left())))]);
  } catch (error) {
    logger.warn({ err: error }, "shutting down: closing the database pool failed");
  }
  if (drained) {
    logger.info({ ms: Date.now() - started }, "shut down cleanly");
    process.exit(0);
  }
  logger.warn({ inFlight: state.inFlight.size, deadlineMs }, "shutdown deadline passed with requests in flight; exiting");
  process.exit(1);
}
