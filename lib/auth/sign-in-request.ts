import "server-only";
import { NextRequest } from "next/server";
import { AppError, isAppError } from "@/lib/errors";
import { clientIp } from "@/lib/http/rate-limit";
import { safeCallbackUrl } from "./callback-url";
import { beforePasswordCheck } from "./sign-in-throttle";

/**
 * Prepares a request to next-auth's own endpoints. Its `callbackUrl` (form field or query) is
 * replaced by a safe same-origin one, since next-auth answers an unparsable one with an empty 500;
 * password sign-ins (`POST …/callback/credentials`) pass the sign-in throttle first
 * (lib/auth/sign-in-throttle.ts), and a spent budget is a 429 that next-auth's client still understands.
 */
export async function prepareAuthRequest(request: NextRequest, rawBody: string): Promise<NextRequest> {
  const origin = request.nextUrl.origin;
  const url = new URL(request.url);
  const query = url.searchParams.get("callbackUrl");
  if (query !== null) url.searchParams.set("callbackUrl", origin + safeCallbackUrl(query, "/billing", origin));
  if (request.method !== "POST") return new NextRequest(url, { headers: request.headers });

  const form = new URLSearchParams(rawBody);
  const callback = form.get("callbackUrl");
  if (callback !== null) form.set("callbackUrl", origin + safeCallbackUrl(callback, "/billing", origin));
  if (url.pathname.endsWith("/callback/credentials")) {
    try {
      await beforePasswordCheck(form.get("email") ?? "", clientIp(request.headers));
    } catch (error) {
      if (!isAppError(error, "rate_limited")) throw error;
      // next-auth's client reads the error code from `url` (signIn → {error: "rate_limited"}).
      throw new AppError(error.code, "Too many sign-in attempts. Please wait and try again.", {
        ...error.details,
        url: `${origin}/sign-in?error=rate_limited`,
      });
    }
  }
  return new NextRequest(url, { method: "POST", headers: request.headers, body: form.toString() });
}
