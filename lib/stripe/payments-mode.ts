import "server-only";
import { env as serverEnv } from "@/env";
export type PaymentsMode = "stripe" | "emulator" | "disabled";

type Env = Record<string, string | undefined>;

/** The one place that decides whether billing talks to real Stripe, the local emulator, or nothing. */
export function paymentsMode(env: Env = serverEnv): PaymentsMode {
  if (env.STRIPE_EMULATOR_URL) return "emulator";
  if (env.STRIPE_SECRET_KEY) return "stripe";
  return "disabled";
}

/**
 * The emulator as the browser reaches it (its hosted pages and its Stripe.js stand-in): STRIPE_EMULATOR_PUBLIC_URL
 * when the app reaches it by another name (a container's), else STRIPE_EMULATOR_URL. Null without the emulator.
 */
export function emulatorBrowserOrigin(env: Env = serverEnv): string | null {
  const url = env.STRIPE_EMULATOR_PUBLIC_URL || env.STRIPE_EMULATOR_URL;
  return url && URL.canParse(url) ? new URL(url).origin : null;
}
