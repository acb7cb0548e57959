import "server-only";
import { createHash } from "node:crypto";

/** A strong ETag for a JSON body: the first 128 bits of its SHA-256, base64url. */
export function etagOf(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
}

/**
 * Whether an `If-None-Match` header names `etag` (RFC 9110 §13.1.2: a comma-separated list or `*`,
 * compared weakly, so `W/"x"` matches `"x"`).
 */
export function ifNoneMatchHits(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => opaque(tag) === opaque(etag));
}

/**
 * A JSON answer that can be revalidated: 200 with the body and its ETag, or a bodiless 304 with the
 * same ETag when the request's `If-None-Match` already names it. Pair with `cache: "revalidate"`
 * on the route so the Cache-Control header says callers must check before reuse.
 */
export function jsonWithEtag(request: Request, value: unknown): Response {
  const body = JSON.stringify(value);
  const etag = etagOf(body);
  if (ifNoneMatchHits(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers: { ETag: etag } });
  return new Response(body, { status: 200, headers: { ETag: etag, "Content-Type": "application/json" } });
}
