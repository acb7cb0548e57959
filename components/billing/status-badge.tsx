import { LocalTime } from "@/components/local-time";
import { subscriptionStatusLabel } from "@/lib/format";

const TONES: Record<string, string> = {
  trialing: "bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-200",
  active: "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200",
  past_due: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  unpaid: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
  incomplete: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  incomplete_expired: "bg-gray-200 text-gray-800",
  canceled: "bg-gray-200 text-gray-800",
  paused: "bg-gray-200 text-gray-800",
  free: "bg-gray-100 text-gray-700",
  canceling: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
};

/**
 * The subscription's status as a pill. `canceling` (a live subscription set to end) with its date
 * reads "Cancels <date>"; without one, "Canceling".
 */
export function StatusBadge({ status, cancelsAt = null }: { status: string; cancelsAt?: string | null }) {
  return (
    <span
      data-testid="subscription-status"
      data-status={status}
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ${TONES[status] ?? "bg-gray-100 text-gray-700"}`}
    >
      {status === "canceling" && cancelsAt ? (
        <>
          Cancels&nbsp;
          <LocalTime value={cancelsAt} style="date" />
        </>
      ) : (
        subscriptionStatusLabel(status)
      )}
    </span>
  );
}
