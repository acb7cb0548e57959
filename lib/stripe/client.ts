import Stripe from "stripe";
import { AppError } from "@/lib/errors";

export type PaymentsMode = "stripe" | "emulator" | "disabled";

/** The one place that decides whether billing talks to real Stripe, the local emulator, or nothing. */
export function paymentsMode(env: Record<string, string | undefined> = process.env): PaymentsMode {
  if (env.STRIPE_EMULATOR_URL) return "emulator";
  if (env.STRIPE_SECRET_KEY) return "stripe";
  return "disabled";
}

export const paymentsNotConfigured = () =>
  new AppError(
    "payments_not_configured",
    "Payments are not configured. Set STRIPE_SECRET_KEY, or STRIPE_EMULATOR_URL to use the local Stripe emulator.",
  );

export function createStripeClient(env: Record<string, string | undefined> = process.env): Stripe {
  const mode = paymentsMode(env);
  if (mode === "disabled") throw paymentsNotConfigured();
  const appInfo = { name: "next-stripe-billing", version: "0.1.0" };
  if (mode === "emulator") {
    const url = new URL(env.STRIPE_EMULATOR_URL as string);
    return new Stripe(env.STRIPE_SECRET_KEY || "sk_test_emulator", {
      host: url.hostname,
      port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      protocol: url.protocol === "https:" ? "https" : "http",
      maxNetworkRetries: 1,
      appInfo,
    });
  }
  return new Stripe(env.STRIPE_SECRET_KEY as string, { maxNetworkRetries: 2, appInfo });
}

const globalForStripe = globalThis as unknown as { __stripe?: { key: string; client: Stripe } };

/** The app's Stripe client; throws a payments_not_configured AppError when payments are not configured. */
export function getStripe(): Stripe {
  const key = `${process.env.STRIPE_EMULATOR_URL ?? ""}|${process.env.STRIPE_SECRET_KEY ?? ""}`;
  if (globalForStripe.__stripe?.key !== key) {
    globalForStripe.__stripe = { key, client: createStripeClient() };
  }
  return globalForStripe.__stripe.client;
}
