import Link from "next/link";
import { LocalTime } from "@/components/local-time";
import type { AdminInvoiceRow } from "@/lib/billing/admin/invoices";
import { InvoiceTaxCell } from "@/components/billing/tax-lines";
import { formatMoney, invoiceStatusLabel } from "@/lib/format";
import { DataTable, EmptyRow, Td, Th, linkClass } from "./table";

export function AdminInvoicesTable({
  invoices,
  caption,
  showCustomer = true,
}: {
  invoices: AdminInvoiceRow[];
  caption: string;
  showCustomer?: boolean;
}) {
  const cols = showCustomer ? 8 : 7;
  return (
    <DataTable caption={caption} testId="invoices-table">
      <thead className="bg-gray-50">
        <tr>
          <Th>Invoice</Th>
          {showCustomer && <Th>Customer</Th>}
          <Th>Status</Th>
          <Th className="text-right">Total</Th>
          <Th>Tax</Th>
          <Th className="text-right">Paid</Th>
          <Th className="text-right">Attempts</Th>
          <Th>Date</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-100">
        {invoices.length === 0 && <EmptyRow colSpan={cols}>No invoices.</EmptyRow>}
        {invoices.map((inv) => (
          <tr key={inv.id}>
            <Td>
              {inv.hostedInvoiceUrl ? (
                <a href={inv.hostedInvoiceUrl} className={linkClass} target="_blank" rel="noreferrer">
                  {inv.number ?? inv.id}
                </a>
              ) : (
                (inv.number ?? inv.id)
              )}
            </Td>
            {showCustomer && (
              <Td>
                {inv.accountId ? (
                  <Link href={`/admin/customers/${inv.accountId}`} className={linkClass}>
                    {inv.email ?? inv.accountId}
                  </Link>
                ) : (
                  "—"
                )}
              </Td>
            )}
            <Td>{invoiceStatusLabel(inv.status)}</Td>
            <Td className="text-right tabular-nums">{formatMoney(inv.total, inv.currency)}</Td>
            <Td>
              <InvoiceTaxCell taxes={inv.taxes ?? []} customerTaxIds={inv.customerTaxIds ?? []} currency={inv.currency} />
            </Td>
            <Td className="text-right tabular-nums">
              {formatMoney(inv.amountPaid - inv.amountRefunded, inv.currency)}
              {inv.amountRefunded > 0 && (
                <span className="block text-xs text-gray-600">{formatMoney(inv.amountRefunded, inv.currency)} refunded</span>
              )}
            </Td>
            <Td className="text-right tabular-nums">{inv.attemptCount}</Td>
            <Td>
              <LocalTime value={inv.created} style="date" />
            </Td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}
