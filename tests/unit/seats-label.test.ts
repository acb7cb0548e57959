import { describe, expect, it } from "vitest";
import { seatsLabel } from "@/components/billing/seats-label";

describe("the billing page's seats line", () => {
  it("says the seats billed, the members and a decrease waiting for the renewal", () => {
    expect(seatsLabel({ quantity: 5, members: 4, pendingQuantity: 4 })).toBe("5 seats · 4 members · drops to 4 at renewal");
  });
  it("says nothing about the renewal when no change waits, or the pending quantity is the current one", () => {
    expect(seatsLabel({ quantity: 3, members: 3, pendingQuantity: null })).toBe("3 seats · 3 members");
    expect(seatsLabel({ quantity: 3, members: 3, pendingQuantity: 3 })).toBe("3 seats · 3 members");
  });
  it("uses the singular for one, and groups thousands", () => {
    expect(seatsLabel({ quantity: 1, members: 1, pendingQuantity: null })).toBe("1 seat · 1 member");
    expect(seatsLabel({ quantity: 1200, members: 1199, pendingQuantity: 1199 })).toBe(
      "1,200 seats · 1,199 members · drops to 1,199 at renewal",
    );
  });
});
