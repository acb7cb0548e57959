import { describe, expect, it } from "vitest";
import { taxLineLabel, visibleTaxLines } from "@/components/billing/tax-lines";
import { stripeTaxEnabled } from "@/lib/billing/tax-settings";

describe("STRIPE_TAX", () => {
  it("is off unless set to on, and refuses anything else", () => {
    expect(stripeTaxEnabled({})).toBe(false);
    expect(stripeTaxEnabled({ STRIPE_TAX: "off" })).toBe(false);
    expect(stripeTaxEnabled({ STRIPE_TAX: " ON " })).toBe(true);
    expect(() => stripeTaxEnabled({ STRIPE_TAX: "yes" })).toThrow('STRIPE_TAX must be "on" or "off"');
  });
});

describe("invoice tax lines in words", () => {
  const vat = { amount: 1_881, rate: 19, displayName: "VAT", inclusive: false, reason: "standard_rated", jurisdiction: "DE" };
  it("name the rate and amount, inclusive ones as included, and zero lines by their reason", () => {
    expect(taxLineLabel(vat, "usd")).toBe("VAT 19%: $18.81");
    expect(taxLineLabel({ ...vat, amount: 200, rate: 20, inclusive: true }, "eur")).toBe("VAT 20% (included): €2.00");
    const reverse = { ...vat, amount: 0, rate: null, displayName: "Tax", reason: "reverse_charge", jurisdiction: null };
    expect(visibleTaxLines([reverse, reverse, { ...reverse, reason: null }], "usd")).toEqual(["Reverse charge"]);
  });
});
