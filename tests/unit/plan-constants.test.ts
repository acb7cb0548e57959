import { describe, expect, it } from "vitest";
import { assertPlanConstants, CONSTANT_IDS } from "@/lib/billing/plan-constants";
import { PLANS } from "@/lib/billing/plans";
import { ifNoneMatchHits, etagOf } from "@/lib/http/etag";

describe("plan constants", () => {
  it("every plan in the catalog declares every constant with a valid value", () => {
    for (const plan of PLANS) expect(() => assertPlanConstants(plan.id, plan.constants)).not.toThrow();
    expect(CONSTANT_IDS).toEqual(["lookbackDays", "maxModels", "support"]);
  });

  it("refuses a missing, unknown or ill-typed constant, naming the plan", () => {
    const good = { lookbackDays: 30, maxModels: 2, support: "email" };
    expect(() => assertPlanConstants("x", { maxModels: 2, support: "email" })).toThrow(
      /Plan "x" does not declare the constant "lookbackDays"/,
    );
    expect(() => assertPlanConstants("x", { ...good, colour: "red" })).toThrow(/unknown constant "colour"/);
    expect(() => assertPlanConstants("x", { ...good, maxModels: 1.5 })).toThrow(/maxModels must be a whole number/);
    expect(() => assertPlanConstants("x", { ...good, lookbackDays: -1 })).toThrow(/lookbackDays must be a whole number/);
    expect(() => assertPlanConstants("x", { ...good, support: "phone" })).toThrow(/support must be one of/);
  });

  it("grows with the ladder: no higher-ranked public plan offers less history or fewer models", () => {
    const ladder = PLANS.filter((p) => p.public).sort((a, b) => a.rank - b.rank);
    for (let i = 1; i < ladder.length; i += 1) {
      expect(ladder[i].constants.lookbackDays).toBeGreaterThanOrEqual(ladder[i - 1].constants.lookbackDays);
      expect(ladder[i].constants.maxModels).toBeGreaterThanOrEqual(ladder[i - 1].constants.maxModels);
    }
  });
});

describe("ETag", () => {
  it("is the same for the same body and differs for another", () => {
    expect(etagOf('{"a":1}')).toBe(etagOf('{"a":1}'));
    expect(etagOf('{"a":1}')).not.toBe(etagOf('{"a":2}'));
  });

  it("matches If-None-Match lists, weak tags and *, and nothing else", () => {
    const tag = etagOf("x");
    expect(ifNoneMatchHits(tag, tag)).toBe(true);
    expect(ifNoneMatchHits(`"a", ${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits(`W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits("*", tag)).toBe(true);
    expect(ifNoneMatchHits('"a", "b"', tag)).toBe(false);
    expect(ifNoneMatchHits(null, tag)).toBe(false);
    expect(ifNoneMatchHits("", tag)).toBe(false);
  });
});
