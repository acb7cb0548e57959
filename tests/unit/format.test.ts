import { describe, expect, it } from "vitest";
import {
  formatDate,
  formatLimit,
  formatMoney,
  formatShortDate,
  intervalLabel,
  invoiceStatusLabel,
  minorUnitDigits,
  savingsLabel,
  subscriptionStatusLabel,
  toMajorUnits,
  yearlySavings,
} from "@/lib/format";

describe("formatMoney", () => {
  it("formats two-decimal currencies from minor units", () => {
    expect(formatMoney(1900, "usd")).toBe("$19.00");
    expect(formatMoney(1999, "usd")).toBe("$19.99");
    expect(formatMoney(0, "usd")).toBe("$0.00");
    expect(formatMoney(5, "usd")).toBe("$0.05");
    expect(formatMoney(123456789, "usd")).toBe("$1,234,567.89");
  });

  it("formats negative amounts (prorated credits)", () => {
    expect(formatMoney(-250, "usd")).toBe("-$2.50");
  });

  it("accepts upper- and lower-case currency codes", () => {
    expect(formatMoney(1000, "EUR")).toBe("€10.00");
    expect(formatMoney(1000, "eur")).toBe("€10.00");
  });

  it("does not divide zero-decimal currencies", () => {
    expect(formatMoney(500, "jpy")).toBe("¥500");
    expect(formatMoney(1500, "krw")).toBe("₩1,500");
  });

  it("divides three-decimal currencies by 1000", () => {
    expect(formatMoney(1234, "kwd")).toMatch(/1\.234/);
  });

  it("trims a zero fraction only when asked, and never a real one", () => {
    expect(formatMoney(1900, "usd", { trimZeros: true })).toBe("$19");
    expect(formatMoney(1950, "usd", { trimZeros: true })).toBe("$19.50");
    expect(formatMoney(99000, "usd", { trimZeros: true })).toBe("$990");
  });

  it("rejects non-finite amounts instead of printing NaN", () => {
    expect(() => formatMoney(Number.NaN, "usd")).toThrow(RangeError);
  });
});

describe("minor units", () => {
  it("follows Stripe's exponents", () => {
    expect(minorUnitDigits("usd")).toBe(2);
    expect(minorUnitDigits("JPY")).toBe(0);
    expect(minorUnitDigits("bhd")).toBe(3);
    // ISK is zero-decimal in ISO 4217 but Stripe takes it in hundredths.
    expect(minorUnitDigits("isk")).toBe(2);
    expect(toMajorUnits(1900, "usd")).toBe(19);
    expect(toMajorUnits(500, "jpy")).toBe(500);
  });
});

describe("yearly savings", () => {
  it("expresses the catalog's yearly prices as months free", () => {
    expect(yearlySavings(1900, 19000)).toEqual({ amount: 3800, monthsFree: 2, percent: 17 });
    expect(savingsLabel(yearlySavings(1900, 19000))).toBe("2 months free");
    expect(savingsLabel(yearlySavings(1000, 11000))).toBe("1 month free");
  });

  it("falls back to a percentage when the saving is not whole months", () => {
    const savings = yearlySavings(1000, 10200);
    expect(savings.monthsFree).toBeNull();
    expect(savingsLabel(savings)).toBe("Save 15%");
  });

  it("claims no saving when yearly is not cheaper", () => {
    expect(yearlySavings(1000, 12000).amount).toBe(0);
    expect(savingsLabel(yearlySavings(1000, 12000))).toBeNull();
    expect(savingsLabel(yearlySavings(1000, 13000))).toBeNull();
    expect(savingsLabel(yearlySavings(0, 0))).toBeNull();
  });
});

describe("labels", () => {
  it("names subscription statuses and keeps unknown ones visible", () => {
    expect(subscriptionStatusLabel("trialing")).toBe("Trialing");
    expect(subscriptionStatusLabel("past_due")).toBe("Past due");
    expect(subscriptionStatusLabel("free")).toBe("Free");
    expect(subscriptionStatusLabel("incomplete_expired")).toBe("Expired");
    expect(subscriptionStatusLabel("something_new")).toBe("Something new");
  });

  it("names invoice statuses and intervals", () => {
    expect(invoiceStatusLabel("paid")).toBe("Paid");
    expect(invoiceStatusLabel("uncollectible")).toBe("Uncollectible");
    expect(intervalLabel("month")).toBe("Monthly");
    expect(intervalLabel("year")).toBe("Yearly");
  });

  it("formats limits", () => {
    expect(formatLimit(null)).toBe("Unlimited");
    expect(formatLimit(50_000, "calls")).toBe("50,000 calls");
    expect(formatLimit(1_000)).toBe("1,000");
  });
});

describe("dates", () => {
  it("uses the long and short billing date formats", () => {
    const d = new Date(2026, 5, 3, 12, 0, 0);
    expect(formatDate(d)).toBe("June 3, 2026");
    expect(formatShortDate(d)).toBe("Jun 3, 2026");
    expect(formatDate(d.toISOString())).toBe("June 3, 2026");
  });
});
