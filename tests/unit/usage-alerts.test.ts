import { describe, expect, it } from "vitest";
import { crossedThresholds, thresholdMark } from "@/lib/billing/metering/alerts";

describe("usage alert thresholds", () => {
  it("marks the unit at which a percentage of the limit is reached", () => {
    expect(thresholdMark(5, 80)).toBe(4);
    expect(thresholdMark(1_000, 80)).toBe(800);
    expect(thresholdMark(3, 80)).toBe(3); // 2.4 → the 3rd unit
    expect(thresholdMark(1, 50)).toBe(1);
  });

  it("reports only the thresholds the move went across, and none when unlimited or not increasing", () => {
    expect(crossedThresholds(3, 4, 5, [80, 100])).toEqual([80]);
    expect(crossedThresholds(4, 5, 5, [80, 100])).toEqual([100]);
    expect(crossedThresholds(0, 5, 5, [80, 100])).toEqual([80, 100]);
    expect(crossedThresholds(4, 4, 5, [80, 100])).toEqual([]);
    expect(crossedThresholds(5, 9, 5, [80, 100])).toEqual([]);
    expect(crossedThresholds(0, 9, null, [80, 100])).toEqual([]);
    expect(crossedThresholds(0, 9, 0, [80, 100])).toEqual([]);
    expect(crossedThresholds(0, 5, 5, [])).toEqual([]);
    expect(crossedThresholds(799, 1_200, 1_000, [80, 100])).toEqual([80, 100]);
  });
});
