import { env } from "@/env";
import { NextResponse, type NextRequest } from "next/server";
import { apiMethodsFor } from "@/lib/http/api-methods";
import { SMALL_API_CACHE_CONTROL } from "@/lib/http/cache-control";
import { databaseStillDown, noDatabaseOutageMarked, OUTAGE_RETRY_AFTER_SECONDS, unavailablePage } from "@/lib/http/outage";
import { contentSecurityPolicy, EMBEDDED_CHECKOUT_PATH, embeddedCheckoutSources, HSTS } from "@/lib/http/security-headers";

const jsonError = (status: number, error: string, message: string, headers: Record<string, string> = {}) =>
  NextResponse.json({ error, message }, { status, headers: { "Cache-Control": SMALL_API_CACHE_CONTROL, ...headers } });

/**
 * Runs before every request: unknown /api paths and wrong methods get JSON 404/405; pages get a
 * fresh CSP nonce (forwarded to Next in the request's CSP header so its inline scripts carry it);
 * https responses get HSTS. While this process knows the database is down, page GETs answer 503
 * with Retry-After and a static "temporarily unavailable" page (lib/http/outage.ts).
 */
export async function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const https = request.nextUrl.protocol === "https:" || request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";

  let response: NextResponse;
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    const methods = apiMethodsFor(pathname);
    if (!methods) return jsonError(404, "not_found", `No API route at ${pathname}.`);
    if (!methods.includes(request.method) && !(request.method === "HEAD" && methods.includes("GET"))) {
      return jsonError(405, "method_not_allowed", `${request.method} is not allowed here.`, { Allow: methods.join(", ") });
    }
    response = NextResponse.next();
  } else {
    const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
    // Embedded Checkout's page adds Stripe's origins (or the emulator's); no other page does.
    const sources = pathname === EMBEDDED_CHECKOUT_PATH ? embeddedCheckoutSources() : undefined;
    const csp = contentSecurityPolicy(nonce, { dev: env.NODE_ENV === "development", https, sources });
    if (!noDatabaseOutageMarked() && (request.method === "GET" || request.method === "HEAD") && (await databaseStillDown())) {
      response = new NextResponse(request.method === "HEAD" ? null : unavailablePage(), {
        status: 503,
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "Cache-Control": "no-store",
          "Retry-After": String(OUTAGE_RETRY_AFTER_SECONDS),
        },
      });
    } else {
      const headers = new Headers(request.headers);
      headers.set("x-nonce", nonce);
      headers.set("Content-Security-Policy", csp);
      response = NextResponse.next({ request: { headers } });
    }
    response.headers.set("Content-Security-Policy", csp);
  }
  if (https) response.headers.set("Strict-Transport-Security", HSTS);
  return response;
}

export const config = {
  matcher: [
    {
      // API requests with a body never pass through the proxy: Next buffers the body of every
      // request a proxy sees, and each route must instead read at most its own limit
      // (lib/http/body.ts). Unknown /api paths with a body get their JSON 404 from
      // app/api/[...unknown]/route.ts.
      source: "/api/:path*",
      missing: [
        { type: "header", key: "content-length" },
        { type: "header", key: "transfer-encoding" },
      ],
    },
    {
      // Every page answer carries its CSP, whatever the method or body (a cross-site form POST, a
      // `Content-Length: 0`): pages read no body, and next.config.ts bounds what Next buffers of one
      // (`proxyClientMaxBodySize`). Next's own assets and dev endpoints (/_next/…) need no nonce.
      source: "/((?!api/|api$|_next/|favicon.ico).*)",
    },
  ],
};
