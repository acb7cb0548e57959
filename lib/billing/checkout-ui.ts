import "server-only";
import { env as serverEnv } from "@/env";
import { AppError } from "@/lib/errors";
import { emulatorBrowserOrigin, paymentsMode } from "@/lib/stripe/payments-mode";

/** Where the customer pays: Stripe's hosted Checkout page, or Embedded Checkout on the app's own /checkout page. */
export type CheckoutUi = "hosted" | "embedded";

type Env = Record<string, string | undefined>;

/** What the browser needs for Embedded Checkout: the publishable key, and where Stripe.js comes from. */
export interface EmbeddedCheckoutClient {
  publishableKey: string;
  /** The emulator's Stripe.js stand-in (GET /v3), loaded before `loadStripe`; null: Stripe's own, which `loadStripe` loads. */
  stripeJsUrl: string | null;
}

/** The publishable key the emulator's Stripe.js stand-in accepts (any pk_test_ key does). */
export const EMULATOR_PUBLISHABLE_KEY = "pk_test_emulator";

/**
 * Embedded Checkout in the browser, or null when it cannot run: real Stripe needs NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY
 * (read on the server at request time, so it need not be set at build time); the emulator serves a stand-in for
 * Stripe.js; with payments off there is no checkout at all.
 */
export function embeddedCheckoutClient(env: Env = serverEnv): EmbeddedCheckoutClient | null {
  const mode = paymentsMode(env);
  const emulator = emulatorBrowserOrigin(env);
  if (mode === "emulator" && emulator) return { publishableKey: EMULATOR_PUBLISHABLE_KEY, stripeJsUrl: `${emulator}/v3` };
  const key = env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY?.trim();
  if (mode === "stripe" && key) return { publishableKey: key, stripeJsUrl: null };
  return null;
}

/**
 * CHECKOUT_UI: `embedded` or `hosted`. Unset, Embedded Checkout with real Stripe and a publishable key, and the
 * hosted page otherwise (the emulator's hosted page, which the end-to-end flows use; `ui: "embedded"` still
 * asks for Embedded Checkout there).
 */
export function configuredCheckoutUi(env: Env = serverEnv): CheckoutUi {
  const value = env.CHECKOUT_UI?.trim();
  if (value === "embedded" || value === "hosted") return value;
  if (value) throw new AppError("payments_not_configured", `CHECKOUT_UI must be "embedded" or "hosted", not "${value}".`);
  return paymentsMode(env) === "stripe" && embeddedCheckoutClient(env) ? "embedded" : "hosted";
}

/** The UI a new Checkout uses: the one asked for, else the setting; Embedded Checkout only where it can run. */
export function checkoutUi(requested: CheckoutUi | undefined, env: Env = serverEnv): CheckoutUi {
  const ui = requested ?? configuredCheckoutUi(env);
  if (ui === "embedded" && paymentsMode(env) === "stripe" && !embeddedCheckoutClient(env)) {
    throw new AppError(
      "payments_not_configured",
      "Embedded Checkout needs NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY (the publishable key of STRIPE_SECRET_KEY's account). Set it, or CHECKOUT_UI=hosted.",
    );
  }
  return ui;
}
