import "server-only";
import { env } from "@/env";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

let generated: string | undefined;

/**
 * NEXTAUTH_SECRET signs session tokens. Hosted deployments must set it; a local install without
 * one gets a random secret kept in .data/ so sessions survive restarts.
 */
export function authSecret(): string {
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  // Read once per process: this runs on every request that looks at the session.
  generated ??= localSecret();
  return generated;
}

function localSecret(): string {
  if (env.VERCEL) throw new Error("NEXTAUTH_SECRET must be set in production deployments.");
  const file = path.join(process.cwd(), ".data", "auth-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    const secret = randomBytes(32).toString("base64url");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
