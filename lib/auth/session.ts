import "server-only";
import { getToken } from "next-auth/jwt";
import { cookies, headers } from "next/headers";
import { forbidden as forbiddenPage, redirect } from "next/navigation";
import type { NextRequest } from "next/server";
import type { User } from "@/db/schema";
import { forbidden, unauthorized } from "@/lib/errors";
import { authenticateApiKey } from "./api-keys";
import { effectiveRole } from "./roles";
import { authSecret } from "./secret";
import { findUserById } from "./users";

export type SessionUser = Pick<User, "id" | "email" | "name"> & { role: "user" | "admin"; emailVerified: boolean };

type CookieSource = Pick<NextRequest, "cookies" | "headers">;

/**
 * The signed-in user, re-read from the database so that deleted accounts, role changes and revoked
 * sessions (sign-out, password change, admin revocation bump the user's session version) take
 * effect at once rather than when the JWT expires.
 */
export async function getCurrentUser(source?: CookieSource): Promise<SessionUser | null> {
  const req = source ?? { cookies: await cookies(), headers: await headers() };
  const token = await getToken({ req: req as NextRequest, secret: authSecret() });
  if (!token?.sub) return null;
  const user = await findUserById(token.sub);
  if (!user || (token.sv ?? 0) !== user.sessionVersion) return null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: effectiveRole(user),
    emailVerified: user.emailVerifiedAt !== null,
  };
}

/** For pages: the user, or a redirect to sign-in that comes back to `returnTo`. */
export async function requireUser(returnTo: string): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}

/** For pages: an admin, or the 403 page. */
export async function requireAdmin(returnTo: string): Promise<SessionUser> {
  const user = await requireUser(returnTo);
  if (user.role !== "admin") forbiddenPage();
  return user;
}

/** For route handlers: the user, or a 401 JSON error. */
export async function requireApiUser(request: CookieSource): Promise<SessionUser> {
  const user = await getCurrentUser(request);
  if (!user) throw unauthorized();
  return user;
}

/** For route handlers: an admin, or 401/403 JSON errors. */
export async function requireApiAdmin(request: CookieSource): Promise<SessionUser> {
  const user = await requireApiUser(request);
  if (user.role !== "admin") throw forbidden("Admins only.");
  return user;
}

/** Who is calling: a signed-in browser, or a service presenting one of the user's API keys. */
export interface ApiCaller {
  user: SessionUser;
  /** Set when the call came with `Authorization: Bearer <api key>`. */
  apiKeyId: string | null;
  /** The account that key belongs to (and acts for); null for a session. */
  apiKeyAccountId: string | null;
}

/**
 * For route handlers that other services call: `Authorization: Bearer <api key>` when present
 * (a bad key is a 401, never a fallback to the cookie), otherwise the session; 401 JSON without either.
 */
export async function requireApiUserOrKey(request: CookieSource): Promise<ApiCaller> {
  const authorization = request.headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthorized("Use `Authorization: Bearer <api key>`.");
    return authenticateApiKey(match[1]);
  }
  return { user: await requireApiUser(request), apiKeyId: null, apiKeyAccountId: null };
}
