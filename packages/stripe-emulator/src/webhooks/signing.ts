import { createHmac } from "node:crypto";
import { randomToken } from "../ids";

/** `Stripe-Signature` header value: `t=<unix>,v1=<hex HMAC-SHA256("t.payload", secret)>`, as Stripe signs. */
export function signatureHeader(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

export function newWebhookSecret(): string {
  return `whsec_${randomToken(32)}`;
}
