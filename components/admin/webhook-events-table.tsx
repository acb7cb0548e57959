import Link from "next/link";
import { LocalTime } from "@/components/local-time";
import type { WebhookEventRow } from "@/lib/billing/admin/webhooks";
import { DataTable, EmptyRow, Td, Th, linkClass } from "./table";

const STATUS_TONES: Record<string, string> = {
  processed: "bg-green-100 text-green-800",
  failed: "bg-red-100 text-red-800",
  ignored: "bg-gray-200 text-gray-800",
  received: "bg-blue-100 text-blue-800",
};

export function WebhookStatus({ status }: { status: string }) {
  return (
    <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-semibold ${STATUS_TONES[status] ?? STATUS_TONES.ignored}`}>
      {status}
    </span>
  );
}

/**
 * What the last attempt left: a failure's error, or (neutrally, not as an error) why an event was
 * ignored. "—" when there is neither.
 */
export function webhookOutcomeText(event: Pick<WebhookEventRow, "lastError" | "note" | "status">): { text: string; error: boolean } | null {
  if (event.lastError) return { text: event.lastError, error: true };
  if (event.note) return { text: event.status === "ignored" ? `Ignored: ${event.note}` : event.note, error: false };
  return null;
}

function WebhookOutcomeText({ event }: { event: WebhookEventRow }) {
  const outcome = webhookOutcomeText(event);
  if (!outcome) return <span>—</span>;
  return (
    <span
      title={outcome.text}
      data-outcome={outcome.error ? "error" : "note"}
      className={outcome.error ? "text-red-700 dark:text-red-300" : "text-gray-600"}
    >
      {outcome.text}
    </span>
  );
}

export function WebhookEventsTable({ events, caption }: { events: WebhookEventRow[]; caption: string }) {
  return (
    <DataTable caption={caption} testId="webhooks-table">
      <thead className="bg-gray-50">
        <tr>
          <Th>Event</Th>
          <Th>Type</Th>
          <Th>Status</Th>
          <Th className="text-right">Attempts</Th>
          <Th>Error or note</Th>
          <Th>Received</Th>
          <Th>Processed</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-100">
        {events.length === 0 && <EmptyRow colSpan={7}>No webhook events.</EmptyRow>}
        {events.map((e) => (
          <tr key={e.id}>
            <Td>
              <Link href={`/admin/webhooks/${encodeURIComponent(e.id)}`} className={`${linkClass} font-mono text-xs`}>
                {e.id}
              </Link>
            </Td>
            <Td className="font-mono text-xs">{e.type}</Td>
            <Td>
              <WebhookStatus status={e.status} />
            </Td>
            <Td className="text-right tabular-nums">{e.attempts}</Td>
            <Td className="max-w-xs truncate">
              <WebhookOutcomeText event={e} />
            </Td>
            <Td>
              <LocalTime value={e.receivedAt} />
            </Td>
            <Td>
              <LocalTime value={e.processedAt} />
            </Td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
