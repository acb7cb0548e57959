import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * The request id every log line of a request carries (lib/logger.ts reads it). Taken from the
 * caller's `x-request-id` when it is a sane token (a load balancer or Vercel set it), else new; the
 * response echoes it so a user's report can be matched with the logs.
 */
const storage = new AsyncLocalStorage<{ requestId: string }>();
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(headers: Headers | undefined): string {
  const given = headers?.get("x-request-id");
  return given && SANE_ID.test(given) ? given : randomUUID();
}

export const currentRequestId = (): string | undefined => storage.getStore()?.requestId;

/** Runs a route handler with its request id in context and returns its response carrying `x-request-id`. */
export async function withRequestContext(request: unknown, handler: () => Promise<Response>): Promise<Response> {
  const requestId = requestIdFrom(request instanceof Request ? request.headers : undefined);
  const response = await storage.run({ requestId }, handler);
  try {
    response.headers.set("x-request-id", requestId);
  } catch {
    // immutable headers (a fetched Response passed through): the id is still in the logs
  }
  return response;
}
