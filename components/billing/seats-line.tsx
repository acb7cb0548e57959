import type { SeatsView } from "@/lib/billing/overview";

const plural = (n: number, word: string) => `${new Intl.NumberFormat("en-US").format(n)} ${word}${n === 1 ? "" : "s"}`;

/** "5 seats · 4 members · drops to 4 at renewal": what a per-seat plan bills now and next. */
export function SeatsLine({ seats }: { seats: SeatsView }) {
  const drops = seats.pendingQuantity !== null && seats.pendingQuantity !== seats.quantity;
  return (
    <p className="mt-1 text-sm text-gray-700" data-testid="seats">
      {plural(seats.quantity, "seat")} · {plural(seats.members, "member")}
      {drops && ` · ${seats.pendingQuantity! < seats.quantity ? "drops" : "goes"} to ${seats.pendingQuantity} at renewal`}
    </p>
  );
}
