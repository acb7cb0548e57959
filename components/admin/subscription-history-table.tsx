import type { ReactNode } from "react";
import { LocalTime } from "@/components/local-time";
import type { SubscriptionChangeRow } from "@/lib/billing/subscription-history";
import { findPlan } from "@/lib/billing/plans";
import { subscriptionStatusLabel } from "@/lib/format";
import { DataTable, EmptyRow, Td, Th } from "./table";

const str = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

/** "Pro, yearly" — the plan's name and, when known, its billing interval. */
function planLabel(planId: unknown, interval: unknown): string {
  const id = str(planId) ?? "unknown";
  const name = findPlan(id)?.name ?? id;
  const every = interval === "month" ? "monthly" : interval === "year" ? "yearly" : null;
  return every ? `${name}, ${every}` : name;
}

const CHANGE_LABELS: Record<SubscriptionChangeRow["kind"], string> = {
  started: "Started",
  plan_changed: "Plan changed",
  status_changed: "Status changed",
  cancel_scheduled: "Cancellation scheduled",
  resumed: "Resumed",
  change_scheduled: "Change scheduled",
  scheduled_change_dropped: "Scheduled change dropped",
};

function details(change: SubscriptionChangeRow): ReactNode {
  const d = change.data;
  switch (change.kind) {
    case "started":
      return `${planLabel(d.planId, d.interval)} (${subscriptionStatusLabel(str(d.status) ?? "unknown")})${d.backfilled ? ", as first recorded" : ""}`;
    case "plan_changed":
      return `${planLabel(d.fromPlanId, d.fromInterval)} → ${planLabel(d.toPlanId, d.toInterval)}`;
    case "status_changed":
      return `${subscriptionStatusLabel(str(d.from) ?? "unknown")} → ${subscriptionStatusLabel(str(d.to) ?? "unknown")}`;
    case "cancel_scheduled":
      return str(d.endsAt) ? (
        <>
          Ends <LocalTime value={str(d.endsAt)} style="date" />
        </>
      ) : (
        "Ends at the period end"
      );
    case "resumed":
      return "The scheduled cancellation was withdrawn";
    case "change_scheduled":
      return (
        <>
          To {planLabel(d.toPlanId, d.toInterval)}
          {str(d.at) && (
            <>
              {" "}
              on <LocalTime value={str(d.at)} style="date" />
            </>
          )}
        </>
      );
    case "scheduled_change_dropped":
      return `The switch to ${planLabel(d.planId, d.interval)} will not happen`;
  }
}

/** One account's subscription changes, newest first. */
export function SubscriptionHistoryTable({ history }: { history: SubscriptionChangeRow[] }) {
  return (
    <DataTable caption="Subscription history" testId="subscription-history">
      <thead className="bg-gray-50">
        <tr>
          <Th>When</Th>
          <Th>Change</Th>
          <Th>Details</Th>
          <Th>Subscription</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-100">
        {history.length === 0 && <EmptyRow colSpan={4}>No subscription changes: always on the free plan.</EmptyRow>}
        {history.map((change) => (
          <tr key={change.id} data-testid="subscription-change" data-kind={change.kind}>
            <Td>
              <LocalTime value={change.occurredAt} />
            </Td>
            <Td className="font-medium">{CHANGE_LABELS[change.kind] ?? change.kind}</Td>
            <Td className="whitespace-normal">{details(change)}</Td>
            <Td className="font-mono text-xs">
              {change.provider} {change.providerSubscriptionId}
            </Td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
