import type { SeatsView } from "@/lib/billing/overview";

const number = (n: number) => new Intl.NumberFormat("en-US").format(n);
const count = (n: number, word: string) => `${number(n)} ${word}${n === 1 ? "" : "s"}`;

/**
 * "5 seats · 4 members · drops to 4 at renewal": what a per-seat plan bills now (the subscription
 * item's quantity), who the members are, and the quantity Stripe bills from the next period when a
 * removal lowered it (no refund mid-period).
 */
export function seatsLabel(seats: SeatsView): string {
  const parts = [count(seats.quantity, "seat"), count(seats.members, "member")];
  if (seats.pendingQuantity !== null && seats.pendingQuantity !== seats.quantity) {
    parts.push(`${seats.pendingQuantity < seats.quantity ? "drops" : "goes"} to ${number(seats.pendingQuantity)} at renewal`);
  }
  return parts.join(" · ");
}
