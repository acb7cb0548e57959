/**
 * Browser-side calls to the billing API. Every answer is JSON; errors are `{error, message, ...}`.
 * Network failures and non-JSON answers become an `ApiFailure` too, so callers handle one shape.
 */

import { safeCallbackUrl } from "@/lib/auth/callback-url";

export interface ApiFailure {
  ok: false;
  status: number;
  /** The API's error code (`subscription_exists`, `payments_not_configured`…) or `network_error`. */
  error: string;
  message: string;
  details: Record<string, unknown>;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | ApiFailure;

const GENERIC_MESSAGE = "Something went wrong. Please try again.";

export async function callApi<T>(
  url: string,
  init: { method?: "GET" | "POST" | "PATCH" | "DELETE"; body?: unknown; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      headers:
        init.body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: "no-store",
      credentials: "same-origin",
      signal: init.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    return {
      ok: false,
      status: 0,
      error: "network_error",
      message: "Could not reach the server. Check your connection and try again.",
      details: {},
    };
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok && body !== null) return { ok: true, status: response.status, data: body as T };
  const record = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  return {
    ok: false,
    status: response.status,
    error: typeof record.error === "string" ? record.error : `http_${response.status}`,
    message: typeof record.message === "string" && record.message ? record.message : GENERIC_MESSAGE,
    details: record,
  };
}

export const postApi = <T>(url: string, body: unknown = {}) => callApi<T>(url, { method: "POST", body });

/** Only same-site paths from an API answer are ever used as links. */
export function safeAppPath(value: unknown, fallback: string): string {
  return typeof value === "string" ? safeCallbackUrl(value, fallback) : fallback;
}

/** Redirect targets from the API (Checkout / portal URLs) must be http(s). */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
