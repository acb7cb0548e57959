import { describe, expect, it, vi } from "vitest";
import { publicCatalog } from "@/lib/billing/catalog-view";
import {
  METERS,
  PREPAID_METER_IDS,
  creditPacks,
  findCreditPack,
  isPrepaidMeter,
  PLANS,
  catalogPrices,
  effectiveLimit,
  getPlan,
  lookupKeyFor,
  overagePriceText,
  overageProductDescription,
  parseLookupKey,
  planLimitsFor,
  planOverage,
  seatQuantity,
} from "@/lib/billing/plans";
import { formatLimit } from "@/lib/format";

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
    expect(prices.map((p) => p.lookupKey).sort()).toEqual([
      "pro_monthly",
      "pro_yearly",
      "scale_monthly",
      "scale_yearly",
      "team_monthly",
      "team_yearly",
    ]);
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
        team: { tokens: "$0.02 per 1,000 tokens" },
        scale: { tokens: "$0.02 per 1,000 tokens" },
        enterprise: {},
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("sells Team per seat: bounds in the catalog, per-seat limits, Pro and Scale flat", async () => {
    const team = getPlan("team");
    expect(team).toMatchObject({ purchasable: true, public: true, prices: { month: 1_200, year: 12_000 }, seats: { min: 1, max: 50 } });
    expect(team.limits.jobs).toEqual({ perSeat: 1_000 });
    expect(getPlan("pro").seats).toBeUndefined();
    expect(getPlan("scale").seats).toBeUndefined();
    // Only a plan with seats may have per-seat limits.
    for (const plan of PLANS) {
      const perSeat = Object.values(plan.limits).some((limit) => limit !== null && typeof limit === "object");
      expect(perSeat && !("seats" in plan)).toBe(false);
    }
    expect(planLimitsFor(team, 3)).toEqual({ api_calls: 75_000, tokens: 3_000_000, jobs: 3_000 });
    expect(planLimitsFor(team, 0).jobs).toBe(1_000);
    expect(planLimitsFor(getPlan("pro"), 7).jobs).toBe(500);
    expect(effectiveLimit(null, 5)).toBeNull();
    expect(seatQuantity(team, 0)).toBe(1);
    expect(seatQuantity(team, 12)).toBe(12);
    expect(seatQuantity(team, 80)).toBe(50);
    expect(seatQuantity(getPlan("pro"), 12)).toBe(1);
    expect(formatLimit(team.limits.jobs, "jobs")).toBe("1,000 jobs per seat");
    vi.stubEnv("STRIPE_SECRET_KEY", "");
    vi.stubEnv("STRIPE_EMULATOR_URL", "");
    try {
      const catalog = await publicCatalog();
      expect(catalog.plans.find((p) => p.id === "team")).toMatchObject({
        seats: { min: 1, max: 50 },
        limits: { jobs: { perSeat: 1_000 } },
      });
      expect(catalog.plans.find((p) => p.id === "pro")?.seats).toBeNull();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("describes the metered product (what Checkout shows under the metered line) with the overage price", () => {
    expect(overageProductDescription("tokens")).toBe(
      "AI tokens past the amount your plan includes each month: $0.02 per 1,000 tokens, billed in arrears.",
    );
    expect(overageProductDescription("jobs")).toBeNull();
  });
});

describe("prepaid credit packs", () => {
  it("are sold only on block meters, with ids unique across meters and positive units and amounts", () => {
    const packs = PREPAID_METER_IDS.flatMap((meter) => creditPacks(meter).map((pack) => ({ meter, pack })));
    expect(packs.length).toBeGreaterThan(0);
    expect(new Set(packs.map((p) => p.pack.id)).size).toBe(packs.length);
    for (const { meter, pack } of packs) {
      expect(METERS[meter].overage, meter).toBe("block");
      expect(isPrepaidMeter(meter)).toBe(true);
      expect(Number.isSafeInteger(pack.units) && pack.units > 0 && Number.isSafeInteger(pack.amount) && pack.amount >= 50, pack.id).toBe(
        true,
      );
      expect(findCreditPack(pack.id)).toEqual({ meter, pack });
    }
    expect(isPrepaidMeter("tokens")).toBe(false);
    expect(findCreditPack("no-such-pack")).toBeUndefined();
  });
});
