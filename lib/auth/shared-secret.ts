import "server-only";
import { env } from "@/env";
import { unauthorized } from "@/lib/errors";
import { createHash, timingSafeEqual } from "node:crypto";

/** Constant-time comparison of a presented secret with the configured one; false when none is configured. */
export function secretMatches(presented: string | null | undefined, expected: string | undefined): boolean {
  if (!presented || !expected) return false;
  // Hashing first gives equal-length buffers, so the comparison time does not reveal the length either.
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** For cron routes: `Authorization: Bearer $CRON_SECRET` (what Vercel Cron sends), or a 401. */
export function requireCronSecret(request: Request): void {
  const token = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  if (!secretMatches(token, env.CRON_SECRET)) throw unauthorized("A valid CRON_SECRET bearer token is required.");
}
