import type { UserRole } from "@/db/schema";

export function adminEmails(env: Record<string, string | undefined> = process.env): Set<string> {
  return new Set(
    (env.ADMIN_EMAILS ?? "")
      .split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** ADMIN_EMAILS promotes on top of the stored role; it never demotes a stored admin. */
export function effectiveRole(user: { email: string; role: UserRole }): UserRole {
  return user.role === "admin" || adminEmails().has(user.email.toLowerCase()) ? "admin" : "user";
}
