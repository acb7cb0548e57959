import { describe, expect, it } from "vitest";
import { PLANS, catalogPrices, lookupKeyFor, parseLookupKey } from "@/lib/billing/plans";

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
});
