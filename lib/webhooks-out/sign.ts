/**
 * Signing of outbound webhooks, Stripe's scheme: `Webhook-Signature: t=<unix seconds>,v1=<hex>`
 * where the hex is HMAC-SHA256(secret, "<t>.<raw body>"). While a rotated secret is still in its
 * grace period the header carries one `v1` per secret, so receivers holding either one verify.
 * Receivers check it with lib/webhooks-out/verify.ts (the snippet in docs/billing.md).
 */
import "server-only";
import { createHmac, randomBytes } from "node:crypto";

/** A new endpoint secret: `whsec_` and 32 random bytes, base64url. */
export const newEndpointSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

export function signatureHeader(secrets: readonly string[], timestampSeconds: number, rawBody: string): string {
  const signed = `${timestampSeconds}.${rawBody}`;
  return [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${createHmac("sha256", secret).update(signed).digest("hex")}`)].join(",");
}
