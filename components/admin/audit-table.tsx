import { LocalTime } from "@/components/local-time";
import type { AuditRow } from "@/lib/billing/admin/operations";
import { DataTable, EmptyRow, Td, Th } from "./table";

export function AuditTable({ entries, caption }: { entries: AuditRow[]; caption: string }) {
  return (
    <DataTable caption={caption} testId="audit-table">
      <thead className="bg-gray-50">
        <tr>
          <Th>When</Th>
          <Th>Action</Th>
          <Th>Who</Th>
          <Th>Target</Th>
          <Th>Details</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-100">
        {entries.length === 0 && <EmptyRow colSpan={5}>Nothing recorded yet.</EmptyRow>}
        {entries.map((a) => (
          <tr key={a.id}>
            <Td>
              <LocalTime value={a.createdAt} />
            </Td>
            <Td className="font-mono text-xs">{a.action}</Td>
            <Td>{a.actorEmail ?? "system"}</Td>
            <Td className="font-mono text-xs">{a.targetType ? `${a.targetType} ${a.targetId ?? ""}` : "—"}</Td>
            <Td className="max-w-md truncate font-mono text-xs">
              <span title={JSON.stringify(a.data)}>{Object.keys(a.data).length > 0 ? JSON.stringify(a.data) : "—"}</span>
            </Td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
