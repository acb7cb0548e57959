import "server-only";
import type { NextRequest } from "next/server";
import { appUrl, requestOrigin } from "@/lib/app-url";
import { AppError } from "@/lib/errors";

/** Methods that change state; safe methods (GET, HEAD, OPTIONS) never do in this app. */
export const isStateChanging = (method: string) => !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());

const crossSite = () => new AppError("forbidden", "Cross-site requests are not allowed.");

/**
 * CSRF defence for cookie-authenticated, state-changing requests (SameSite=Lax alone lets another
 * port of the same site through): a browser's `Sec-Fetch-Site` must say same-origin and its
 * `Origin`, when sent, must be the app's own. Clients that send neither are not browsers, so they
 * carry no ambient cookies to abuse.
 */
export function assertSameOrigin(request: NextRequest): void {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw crossSite();
  const origin = request.headers.get("origin");
  if (origin && origin !== requestOrigin(request) && origin !== new URL(appUrl()).origin) throw crossSite();
}

/** Cross-origin pages can send text/plain, form and multipart bodies without a preflight, never JSON. */
export function assertContentType(request: Request, accepts: "json" | "form"): void {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const ok = accepts === "json" ? type === "application/json" : type === "application/x-www-form-urlencoded";
  if (!ok) {
    throw new AppError(
      "unsupported_media_type",
      accepts === "json" ? "Send the request body as application/json." : "Send the request body as a form.",
    );
  }
}
