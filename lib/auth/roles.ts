import "server-only";
import { env as serverEnv } from "@/env";
import type { UserRole } from "@/db/schema";

export function adminEmails(env: Record<string, string | undefined> = serverEnv): Set<string> {
  return new Set(
    (env.ADMIN_EMAILS ?? "")
      .split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * ADMIN_EMAILS promotes on top of the stored role; it never demotes a stored admin. Either way the
 * admin role applies only to a verified address: whoever signs up first with an address in
 * ADMIN_EMAILS gets nothing until they prove they read its mail.
 */
export function effectiveRole(user: { email: string; role: UserRole; emailVerifiedAt: Date | null }): UserRole {
  if (!user.emailVerifiedAt) return "user";
  return user.role === "admin" || adminEmails().has(user.email.toLowerCase()) ? "admin" : "user";
}
