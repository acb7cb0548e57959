import { createHmac, timingSafeEqual } from "node:crypto";

/** True when `header` (Webhook-Signature) signs `rawBody` with `secret` and is at most `toleranceSeconds` old. */
export function verifyWebhook(rawBody: string, header: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = header.split(",").map((part) => part.split("="));
  const timestamp = Number(parts.find(([key]) => key === "t")?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest();
  return parts.some(([key, hex]) => {
    if (key !== "v1" || !/^[0-9a-f]{64}$/.test(hex ?? "")) return false;
    return timingSafeEqual(Buffer.from(hex, "hex"), expected);
  });
}
