import { describe, expect, it, vi } from "vitest";
import { publicCatalog } from "@/lib/billing/catalog-view";
import { METERS, PLANS, catalogPrices, getPlan, lookupKeyFor, overagePriceText, overageProductDescription, parseLookupKey, planOverage } from "@/lib/billing/plans";

describe("plan catalog", () => {
  it("has unique ids and ranks, and prices only on purchasable plans", () => {
    expect(new Set(PLANS.map((p) => p.id)).size).toBe(PLANS.length);
    expect(new Set(PLANS.map((p) => p.rank)).size).toBe(PLANS.length);
    for (const plan of PLANS) expect(plan.prices !== null).toBe(plan.purchasable);
  });

  it("round-trips lookup keys", () => {
    expect(lookupKeyFor("pro", "month")).toBe("pro_monthly");
    expect(lookupKeyFor("scale", "year")).toBe("scale_yearly");
    expect(parseLookupKey("scale_yearly")).toMatchObject({ plan: { id: "scale" }, interval: "year" });
    expect(parseLookupKey("enterprise_monthly")).toBeUndefined();
    expect(parseLookupKey("pro_weekly")).toBeUndefined();
    expect(parseLookupKey(null)).toBeUndefined();
  });

  it("sells every purchasable plan monthly and yearly, yearly cheaper than 12 months", () => {
    const prices = catalogPrices();
    expect(prices.map((p) => p.lookupKey).sort()).toEqual(["pro_monthly", "pro_yearly", "scale_monthly", "scale_yearly"]);
    for (const plan of PLANS.filter((p) => p.prices)) expect(plan.prices!.year).toBeLessThan(plan.prices!.month * 12);
  });

  it("words the AI-token overage price from the catalog's metered price: $0.02 per 1,000 tokens", () => {
    const text = overagePriceText("tokens");
    expect(text).toBe("$0.02 per 1,000 tokens");
    // The words say exactly what Stripe charges: unit_amount_decimal is in cents per token.
    const [, dollars, units] = /^\$([\d.]+) per ([\d,]+) tokens$/.exec(text ?? "") ?? [];
    expect((Number(dollars) * 100) / Number(units.replaceAll(",", ""))).toBeCloseTo(Number(METERS.tokens.stripe.unitAmountDecimal), 12);
    // Meters that block at the limit have no overage price.
    expect(overagePriceText("api_calls")).toBeNull();
    expect(overagePriceText("jobs")).toBeNull();
  });

  it("shows the overage price on the paid plans that bill it, and nowhere else", async () => {
    expect(planOverage(getPlan("pro"))).toEqual({ tokens: "$0.02 per 1,000 tokens" });
    expect(planOverage(getPlan("scale"))).toEqual({ tokens: "$0.02 per 1,000 tokens" });
    // Free blocks at its limit; Enterprise is unlimited.
    expect(planOverage(getPlan("free"))).toEqual({});
    expect(planOverage(getPlan("enterprise"))).toEqual({});
    // What /pricing renders (plan cards and comparison table) comes with the public catalog.
    // Payments off (no Stripe call): the words come from the catalog either way.
    vi.stubEnv("STRIPE_SECRET_KEY", "");
    vi.stubEnv("STRIPE_EMULATOR_URL", "");
    try {
      const catalog = await publicCatalog();
      expect(Object.fromEntries(catalog.plans.map((p) => [p.id, p.overage]))).toEqual({
        free: {},
        pro: { tokens: "$0.02 per 1,000 tokens" },
        scale: { tokens: "$0.02 per 1,000 tokens" },
        enterprise: {},
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("describes the metered product (what Checkout shows under the metered line) with the overage price", () => {
    expect(overageProductDescription("tokens")).toBe("AI tokens past the amount your plan includes each month: $0.02 per 1,000 tokens, billed in arrears.");
    expect(overageProductDescription("jobs")).toBeNull();
  });
});
