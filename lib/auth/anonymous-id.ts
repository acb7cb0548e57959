import "server-only";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { authSecret } from "./secret";

/** The cookie that identifies a signed-out visitor for the anonymous allowance. */
export const ANONYMOUS_COOKIE = "anon_id";
export const ANONYMOUS_COOKIE_MAX_AGE = 60 * 60 * 24 * 90;

const mac = (id: string) => createHmac("sha256", authSecret()).update(`anon:${id}`).digest("base64url");

/** `<uuid>.<hmac>`: the id cannot be forged or switched to someone else's without the secret. */
export function signAnonymousId(id: string): string {
  return `${id}.${mac(id)}`;
}

/** The visitor id inside a cookie value, or null when absent or tampered with. */
export function verifyAnonymousId(value: string | null | undefined): string | null {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!match) return null;
  const expected = Buffer.from(mac(match[1]));
  const presented = Buffer.from(match[2]);
  return expected.length === presented.length && timingSafeEqual(expected, presented) ? match[1] : null;
}

export const newAnonymousId = (): string => randomUUID();
