import "server-only";
import { env } from "@/env";
import type { NextRequest } from "next/server";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function isLoopback(url: string): boolean {
  return URL.canParse(url) && LOOPBACK_HOSTS.has(new URL(url).hostname);
}

/**
 * The app's public base URL for links sent to Stripe (success, cancel and return URLs). In development
 * the app answers on every loopback spelling, and the session cookie belongs to the one in the address
 * bar, so people are sent back to the host they came from.
 */
export function appUrl(requestOrigin?: string): string {
  const configured = env.APP_URL || env.NEXTAUTH_URL;
  const local = env.NODE_ENV === "development" && requestOrigin && isLoopback(requestOrigin) && (!configured || isLoopback(configured));
  return ((local ? requestOrigin : configured) || requestOrigin || "http://localhost:3000").replace(/\/+$/, "");
}

/** The origin in the browser's address bar: its Host header (Next's own request URL names the server's hostname). */
export function requestOrigin(request: NextRequest): string {
  const fromHost = `${request.nextUrl.protocol}//${request.headers.get("host")}`;
  return request.headers.get("host") && URL.canParse(fromHost) ? new URL(fromHost).origin : request.nextUrl.origin;
}
