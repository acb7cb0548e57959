import NextAuth from "next-auth";
import { ANONYMOUS_COOKIE, verifyAnonymousId } from "@/lib/auth/anonymous-id";
import { authOptions } from "@/lib/auth/options";
import { prepareAuthRequest } from "@/lib/auth/sign-in-request";
import { clientIp } from "@/lib/http/rate-limit";
import { route } from "@/lib/http/route";

type Handler = (request: Request, context: { params: Promise<{ nextauth: string[] }> }) => Promise<Response>;

/**
 * next-auth's own endpoints (sign-in, callback, sign-out, session, csrf). next-auth checks its own
 * CSRF token on every POST; the wrapper adds the origin check and the body limit, and
 * prepareAuthRequest the safe callbackUrl and the sign-in rate limits.
 */
const nextAuth = route({ access: "public", accepts: "form", maxBodyBytes: 16 * 1024 }, async ({ request, rawBody, params }) =>
  // Built per request so the options read the environment at run time, not at build time.
  (
    NextAuth(
      authOptions({
        anonymousVisitorId: verifyAnonymousId(request.cookies.get(ANONYMOUS_COOKIE)?.value),
        clientIp: clientIp(request.headers),
      }),
    ) as unknown as Handler
  )(await prepareAuthRequest(request, rawBody), {
    params: params as Promise<{ nextauth: string[] }>,
  }),
);

export { nextAuth as GET, nextAuth as POST };

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
