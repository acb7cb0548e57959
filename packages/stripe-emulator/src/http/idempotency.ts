import { createHash } from "node:crypto";
import type { Store } from "../store";
import { idempotencyConflict } from "./errors";

export interface ReplayableResponse {
  status: number;
  body: string;
}

const RETENTION_SECONDS = 24 * 3600;

export function fingerprint(method: string, path: string, rawBody: string): string {
  return createHash("sha256").update(`${method} ${path}\n${rawBody}`).digest("hex");
}

/** Stored response for a reused key and the same request; a different request with that key is a conflict. */
export function lookupIdempotent(store: Store, key: string, print: string, now: number): ReplayableResponse | null {
  const stored = store.idempotency.get(key);
  if (!stored) return null;
  if (now - stored.createdAt > RETENTION_SECONDS) {
    store.idempotency.delete(key);
    return null;
  }
  if (stored.fingerprint !== print) throw idempotencyConflict(key);
  return { status: stored.status, body: stored.body };
}

/**
 * Stripe saves the result once the endpoint has started executing: successes and card declines are replayed,
 * parameter validation errors are not.
 */
export function shouldStore(status: number): boolean {
  return status < 400 || status === 402;
}

export function storeIdempotent(store: Store, key: string, print: string, response: ReplayableResponse, now: number): void {
  store.idempotency.set(key, { key, fingerprint: print, status: response.status, body: response.body, createdAt: now });
}
