import "server-only";
import { env as serverEnv } from "@/env";
import Stripe from "stripe";
import { AppError } from "@/lib/errors";
import { paymentsMode } from "./payments-mode";

// Without the SDK, for proxy.ts (the CSP) and the client settings: ./payments-mode.ts.
export { paymentsMode, type PaymentsMode } from "./payments-mode";

export const paymentsNotConfigured = () =>
  new AppError(
    "payments_not_configured",
    "Payments are not configured. Set STRIPE_SECRET_KEY, or STRIPE_EMULATOR_URL to use the local Stripe emulator.",
  );

export interface StripeNetworkSettings {
  /** The most one API call may take, retries included (STRIPE_TIMEOUT_MS, default 10 s). */
  timeoutMs: number;
  /** Retries after a connection error, 409 or 5xx (STRIPE_MAX_NETWORK_RETRIES, default 1). */
  maxNetworkRetries: number;
}

/**
 * Every POST the SDK sends carries an idempotency key (ours, or one the SDK generates), so a retry
 * never repeats a side effect. Each attempt gets an equal share of the total timeout, so a hung
 * Stripe answers the user (503 payments_unavailable) within about STRIPE_TIMEOUT_MS.
 */
export function stripeNetworkSettings(env: Record<string, string | undefined> = serverEnv): StripeNetworkSettings {
  const timeout = Number(env.STRIPE_TIMEOUT_MS);
  const retries = Number(env.STRIPE_MAX_NETWORK_RETRIES);
  return {
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 10_000,
    maxNetworkRetries: env.STRIPE_MAX_NETWORK_RETRIES && Number.isInteger(retries) && retries >= 0 ? Math.min(retries, 5) : 1,
  };
}

export function createStripeClient(env: Record<string, string | undefined> = serverEnv): Stripe {
  const mode = paymentsMode(env);
  if (mode === "disabled") throw paymentsNotConfigured();
  const appInfo = { name: "next-stripe-billing", version: "0.1.0" };
  const { timeoutMs, maxNetworkRetries } = stripeNetworkSettings(env);
  const network = { timeout: Math.max(1, Math.floor(timeoutMs / (1 + maxNetworkRetries))), maxNetworkRetries };
  if (mode === "emulator") {
    const url = new URL(env.STRIPE_EMULATOR_URL as string);
    return new Stripe(env.STRIPE_SECRET_KEY || "sk_test_emulator", {
      host: url.hostname,
      port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      protocol: url.protocol === "https:" ? "https" : "http",
      ...network,
      appInfo,
    });
  }
  return new Stripe(env.STRIPE_SECRET_KEY as string, { ...network, appInfo });
}

const globalForStripe = globalThis as unknown as { __stripe?: { key: string; client: Stripe } };

/** The app's Stripe client; throws a payments_not_configured AppError when payments are not configured. */
export function getStripe(): Stripe {
  const env = serverEnv;
  const key = [env.STRIPE_EMULATOR_URL, env.STRIPE_SECRET_KEY, env.STRIPE_TIMEOUT_MS, env.STRIPE_MAX_NETWORK_RETRIES].join("|");
  if (globalForStripe.__stripe?.key !== key) {
    globalForStripe.__stripe = { key, client: createStripeClient() };
  }
  return globalForStripe.__stripe.client;
}
