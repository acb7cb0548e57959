import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkoutUi, configuredCheckoutUi, embeddedCheckoutClient } from "@/lib/billing/checkout-ui";
import { contentSecurityPolicy, embeddedCheckoutSources, STRIPE_EMBEDDED_CHECKOUT_SOURCES } from "@/lib/http/security-headers";
import { proxy } from "@/proxy";

const directives = (csp: string) => Object.fromEntries(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));

const REAL = { STRIPE_SECRET_KEY: "sk_live_x", NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_live_y" };
const EMULATOR = { STRIPE_EMULATOR_URL: "http://emulator:12111", STRIPE_EMULATOR_PUBLIC_URL: "http://localhost:12111/" };

describe("Embedded Checkout settings", () => {
  it("CHECKOUT_UI: embedded by default with real Stripe and a publishable key, hosted otherwise; a bad value is a clear error", () => {
    expect(configuredCheckoutUi(REAL)).toBe("embedded");
    expect(configuredCheckoutUi({ STRIPE_SECRET_KEY: "sk_live_x" })).toBe("hosted");
    expect(configuredCheckoutUi(EMULATOR)).toBe("hosted");
    expect(configuredCheckoutUi({ ...REAL, CHECKOUT_UI: "hosted" })).toBe("hosted");
    expect(configuredCheckoutUi({ ...EMULATOR, CHECKOUT_UI: "embedded" })).toBe("embedded");
    expect(() => configuredCheckoutUi({ ...REAL, CHECKOUT_UI: "popup" })).toThrow(/CHECKOUT_UI must be "embedded" or "hosted"/);
    // Asked for explicitly: the emulator always can; real Stripe only with the publishable key.
    expect(checkoutUi("embedded", EMULATOR)).toBe("embedded");
    expect(() => checkoutUi("embedded", { STRIPE_SECRET_KEY: "sk_live_x" })).toThrow(/NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY/);
    expect(checkoutUi("hosted", REAL)).toBe("hosted");
  });

  it("the browser gets Stripe's publishable key, or the emulator's stand-in for Stripe.js at its public URL", () => {
    expect(embeddedCheckoutClient(REAL)).toEqual({ publishableKey: "pk_live_y", stripeJsUrl: null });
    expect(embeddedCheckoutClient(EMULATOR)).toEqual({ publishableKey: "pk_test_emulator", stripeJsUrl: "http://localhost:12111/v3" });
    expect(embeddedCheckoutClient({})).toBeNull();
  });
});

describe("the CSP of the Embedded Checkout page", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("adds exactly Stripe's documented sources with real Stripe, the emulator's origin offline, nothing with payments off", () => {
    const base = directives(contentSecurityPolicy("n0nce", { dev: false, https: true }));
    expect(base["frame-src"]).toBeUndefined();
    expect(base["script-src"]).toEqual(["'self'", "'nonce-n0nce'", "'strict-dynamic'"]);

    const real = directives(contentSecurityPolicy("n0nce", { dev: false, https: true, sources: embeddedCheckoutSources(REAL) }));
    expect(real["script-src"]).toEqual(["'self'", "'nonce-n0nce'", "'strict-dynamic'", "https://js.stripe.com", "https://*.js.stripe.com"]);
    expect(real["frame-src"]).toEqual([
      "https://js.stripe.com",
      "https://*.js.stripe.com",
      "https://hooks.stripe.com",
      "https://checkout.stripe.com",
    ]);
    expect(real["connect-src"]).toEqual(["'self'", "https://api.stripe.com", "https://checkout.stripe.com"]);
    expect(real["img-src"]).toEqual(["'self'", "blob:", "data:", "https://*.stripe.com"]);
    // Everything else stays as strict as on every page.
    for (const name of ["default-src", "style-src", "font-src", "object-src", "base-uri", "form-action", "frame-ancestors"])
      expect(real[name]).toEqual(base[name]);
    expect(embeddedCheckoutSources(REAL)).toBe(STRIPE_EMBEDDED_CHECKOUT_SOURCES);

    const offline = directives(contentSecurityPolicy("n0nce", { dev: false, https: false, sources: embeddedCheckoutSources(EMULATOR) }));
    expect(offline["script-src"]).toEqual(["'self'", "'nonce-n0nce'", "'strict-dynamic'", "http://localhost:12111"]);
    expect(offline["frame-src"]).toEqual(["http://localhost:12111"]);
    expect(offline["connect-src"]).toEqual(["'self'"]);
    expect(embeddedCheckoutSources({})).toBeUndefined();
  });

  it("proxy.ts gives those sources to /checkout and to no other page", async () => {
    vi.stubEnv("STRIPE_EMULATOR_URL", "http://127.0.0.1:12999");
    vi.stubEnv("STRIPE_EMULATOR_PUBLIC_URL", "");
    const csp = async (path: string) =>
      (await proxy(new NextRequest(`http://app.test${path}`))).headers.get("Content-Security-Policy") ?? "";
    expect(directives(await csp("/checkout?session=cs_test_x"))["frame-src"]).toEqual(["http://127.0.0.1:12999"]);
    expect(directives(await csp("/checkout?session=cs_test_x"))["script-src"]).toContain("http://127.0.0.1:12999");
    for (const path of ["/pricing", "/billing/success", "/checkout/other", "/checkouts"]) {
      expect(await csp(path)).not.toContain("12999");
      expect(directives(await csp(path))["frame-src"]).toBeUndefined();
    }
  });
});
