/**
 * Stripe Tax: `STRIPE_TAX=on` turns it on (default off, so nothing changes for existing installs).
 * With it on, every Checkout Session the app creates computes tax (`automatic_tax`), collects the billing
 * address and tax IDs and saves them to the customer; card-less trials compute tax too (they need a customer
 * address first); the portal lets customers edit their address and tax IDs. Prices always carry a tax behaviour
 * (PRICE_TAX_BEHAVIOR in ./plans.ts), so turning tax on needs no new prices.
 */
import "server-only";
import { env as serverEnv } from "@/env";
export function stripeTaxEnabled(env: Record<string, string | undefined> = serverEnv): boolean {
  const value = (env.STRIPE_TAX ?? "off").trim().toLowerCase();
  if (value === "on") return true;
  if (value === "off" || value === "") return false;
  throw new Error(`STRIPE_TAX must be "on" or "off", not "${env.STRIPE_TAX}".`);
}
