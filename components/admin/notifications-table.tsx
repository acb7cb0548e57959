import { LocalTime } from "@/components/local-time";
import type { NotificationRow } from "@/lib/billing/admin/operations";
import { ActionButton } from "./action-button";
import { DataTable, EmptyRow, Td, Th } from "./table";

export function NotificationsTable({
  notifications,
  caption,
  canRetry,
}: {
  notifications: NotificationRow[];
  caption: string;
  canRetry: boolean;
}) {
  return (
    <DataTable caption={caption} testId="notifications-table">
      <thead className="bg-gray-50">
        <tr>
          <Th>Created</Th>
          <Th>To</Th>
          <Th>Subject</Th>
          <Th>Status</Th>
          <Th>Error</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-100">
        {notifications.length === 0 && <EmptyRow colSpan={6}>No notifications.</EmptyRow>}
        {notifications.map((n) => (
          <tr key={n.id}>
            <Td>
              <LocalTime value={n.createdAt} />
            </Td>
            <Td>{n.toEmail}</Td>
            <Td>
              <details>
                <summary className="cursor-pointer">{n.subject}</summary>
                <p className="mt-1 max-w-md whitespace-pre-wrap text-xs">{n.body}</p>
              </details>
            </Td>
            <Td>{n.status}</Td>
            <Td className="max-w-xs truncate">{n.error ?? "—"}</Td>
            <Td>
              {canRetry && (n.status === "failed" || n.status === "outbox") && (
                <ActionButton
                  url={`/api/billing/admin/notifications/${n.id}/retry`}
                  label="Retry"
                  pendingLabel="Retrying…"
                  done="Sent again."
                  tone="secondary"
                />
              )}
            </Td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
