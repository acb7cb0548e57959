import { describe, expect, it } from "vitest";
import { planChangeLabel, planDifference } from "@/components/billing/plan-change-label";
import { busiestSeries } from "@/components/usage/chart-series";

describe("change-plan labels", () => {
  it("Scale monthly → Pro yearly applies now (the policy) but is a downgrade (the catalog)", () => {
    expect(planChangeLabel({ planId: "scale", interval: "month" }, { planId: "pro", interval: "year" })).toBe("Downgrade, starts now");
  });

  it("names every other pair by rank or interval, and when by the policy", () => {
    expect(planChangeLabel({ planId: "pro", interval: "month" }, { planId: "scale", interval: "month" })).toBe("Upgrade, starts now");
    expect(planChangeLabel({ planId: "pro", interval: "year" }, { planId: "scale", interval: "month" })).toBe("Upgrade, at period end");
    expect(planChangeLabel({ planId: "scale", interval: "month" }, { planId: "pro", interval: "month" })).toBe("Downgrade, at period end");
    expect(planChangeLabel({ planId: "pro", interval: "month" }, { planId: "pro", interval: "year" })).toBe("Yearly billing, starts now");
    expect(planChangeLabel({ planId: "pro", interval: "year" }, { planId: "pro", interval: "month" })).toBe(
      "Monthly billing, at period end",
    );
  });

  it("diffs features and limits between the two plans of the catalog", () => {
    expect(planDifference("scale", "pro")).toEqual({
      gains: [],
      loses: [
        "Priority support",
        "Audit log",
        "API calls: 1,000,000 calls → 50,000 calls",
        "AI tokens: 10,000,000 tokens → 2,000,000 tokens",
        "Jobs: 10,000 jobs → 500 jobs",
      ],
    });
    expect(planDifference("pro", "scale").gains).toContain("Priority support");
    expect(planDifference("pro", "scale").loses).toEqual([]);
    expect(planDifference("pro", "pro")).toEqual({ gains: [], loses: [] });
  });
});

describe("usage chart's first meter", () => {
  const series = (id: string, quantities: number[]) => ({
    id,
    label: id,
    points: quantities.map((quantity, i) => ({ date: `2026-12-0${i + 1}`, quantity })),
  });

  it("is the one with the most usage in the window", () => {
    expect(busiestSeries([series("api_calls", [0, 0]), series("tokens", [0, 0]), series("jobs", [1, 2])])?.id).toBe("jobs");
  });

  it("is the first when nothing was used", () => {
    expect(busiestSeries([series("api_calls", [0]), series("jobs", [0])])?.id).toBe("api_calls");
    expect(busiestSeries([])).toBeUndefined();
  });
});
