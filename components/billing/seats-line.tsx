import type { SeatsView } from "@/lib/billing/overview";
import { seatsLabel } from "./seats-label";

/** A per-seat plan's seats under the plan's name on /billing. */
export function SeatsLine({ seats }: { seats: SeatsView }) {
  return (
    <p className="mt-1 text-sm text-gray-700" data-testid="seats">
      {seatsLabel(seats)}
    </p>
  );
}
