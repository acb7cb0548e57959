import "server-only";
import { env as serverEnv } from "@/env";
import { emulatorBrowserOrigin, paymentsMode } from "@/lib/stripe/payments-mode";

/** Origins a page adds to the policy below, per directive (frames are otherwise this origin's only). */
export interface CspSources {
  script?: string[];
  frame?: string[];
  connect?: string[];
  img?: string[];
}

const extra = (sources: string[] | undefined) => (sources?.length ? ` ${sources.join(" ")}` : "");

/**
 * The Content-Security-Policy of every page: scripts only from this origin and with this
 * response's nonce (Next puts it on its own inline scripts), nothing framed, forms and connections
 * to this origin only. Styles allow inline attributes (React `style` props); script injection is
 * what CSP is here to stop. Development adds 'unsafe-eval' for React's dev tooling. A page that
 * needs a third party (Embedded Checkout on /checkout) adds exactly its origins with `sources`.
 */
export function contentSecurityPolicy(nonce: string, options: { dev: boolean; https: boolean; sources?: CspSources }): string {
  const sources = options.sources ?? {};
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}${extra(sources.script)}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' blob: data:${extra(sources.img)}`,
    "font-src 'self'",
    `connect-src 'self'${options.dev ? " ws:" : ""}${extra(sources.connect)}`,
    ...(sources.frame?.length ? [`frame-src ${sources.frame.join(" ")}`] : []),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** The page that embeds Stripe Checkout (app/checkout/page.tsx); no other page gets its sources. */
export const EMBEDDED_CHECKOUT_PATH = "/checkout";

/**
 * What Embedded Checkout needs, as Stripe documents it: Stripe.js from js.stripe.com, its frames (js.stripe.com,
 * hooks.stripe.com for 3-D Secure, checkout.stripe.com for Checkout itself), its API calls and images.
 */
export const STRIPE_EMBEDDED_CHECKOUT_SOURCES: CspSources = {
  script: ["https://js.stripe.com", "https://*.js.stripe.com"],
  frame: ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com", "https://checkout.stripe.com"],
  connect: ["https://api.stripe.com", "https://checkout.stripe.com"],
  img: ["https://*.stripe.com"],
};

/**
 * The sources of the Embedded Checkout page: Stripe's with real Stripe; with the emulator, its origin only (its
 * Stripe.js stand-in and the Checkout page it frames); none with payments off.
 */
export function embeddedCheckoutSources(env: Record<string, string | undefined> = serverEnv): CspSources | undefined {
  const mode = paymentsMode(env);
  if (mode === "stripe") return STRIPE_EMBEDDED_CHECKOUT_SOURCES;
  const emulator = mode === "emulator" ? emulatorBrowserOrigin(env) : null;
  return emulator ? { script: [emulator], frame: [emulator] } : undefined;
}

/** Two years, subdomains included: only ever sent on https responses. */
export const HSTS = "max-age=63072000; includeSubDomains";
