import { subscriptionStatusLabel } from "@/lib/format";

const TONES: Record<string, string> = {
  trialing: "bg-blue-100 text-blue-800",
  active: "bg-green-100 text-green-800",
  past_due: "bg-amber-100 text-amber-900",
  unpaid: "bg-red-100 text-red-800",
  incomplete: "bg-amber-100 text-amber-900",
  incomplete_expired: "bg-gray-200 text-gray-800",
  canceled: "bg-gray-200 text-gray-800",
  paused: "bg-gray-200 text-gray-800",
  free: "bg-gray-100 text-gray-700",
  canceling: "bg-amber-100 text-amber-900",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span
      data-testid="subscription-status"
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ${TONES[status] ?? "bg-gray-100 text-gray-700"}`}
    >
      {subscriptionStatusLabel(status)}
    </span>
  );
}
