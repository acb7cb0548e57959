import type { Metadata } from "next";
import { FilterForm, LabeledInput, LabeledSelect } from "@/components/admin/form-controls";
import { AdminInvoicesTable } from "@/components/admin/invoices-table";
import { Pager } from "@/components/admin/pager";
import { Alert } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminInvoices } from "@/lib/billing/admin/console";
import { INVOICE_STATUSES, adminInvoiceQuery } from "@/lib/billing/admin/invoices";
import { formatMoney, invoiceStatusLabel } from "@/lib/format";
import { flatSearchParams, readWithSearchParams } from "@/lib/http/query";

export const metadata: Metadata = { title: "Invoices · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminInvoicesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin("/admin/invoices");
  const params = await searchParams;
  const parsed = await readWithSearchParams(params, adminInvoiceQuery, adminInvoices);
  const result = parsed.ok ? parsed.result : null;
  const query = parsed.ok ? parsed.data : { status: undefined, from: undefined, to: undefined };

  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Invoices</h1>
      <FilterForm label="Filter invoices">
        <LabeledSelect label="Status" id="status" name="status" defaultValue={query.status ?? ""}>
          <option value="">Any status</option>
          {INVOICE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {invoiceStatusLabel(s)}
            </option>
          ))}
        </LabeledSelect>
        <LabeledInput label="From (UTC)" id="from" name="from" type="date" defaultValue={query.from ?? ""} />
        <LabeledInput label="To (UTC)" id="to" name="to" type="date" defaultValue={query.to ?? ""} />
      </FilterForm>

      {!parsed.ok && <Alert>These filters are not valid: {parsed.message}</Alert>}

      {result && result.totals.length === 0 && (
        <p className="text-sm text-gray-600" data-testid="invoice-totals">
          No invoices match these filters.
        </p>
      )}
      {result && result.totals.length > 0 && (
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="invoice-totals">
          {result.totals.map((t) => (
            <div key={t.currency} className="rounded-lg border border-gray-200 bg-surface p-4 text-sm">
              <dt className="font-medium text-gray-600">
                {t.count} {t.count === 1 ? "invoice" : "invoices"} in {t.currency.toUpperCase()}
              </dt>
              <dd className="mt-1 tabular-nums">Total {formatMoney(t.total, t.currency)}</dd>
              <dd className="tabular-nums">Collected {formatMoney(t.paid, t.currency)}</dd>
              <dd className="tabular-nums">Outstanding {formatMoney(t.due, t.currency)}</dd>
            </div>
          ))}
        </dl>
      )}

      <AdminInvoicesTable invoices={result?.invoices ?? []} caption="All invoices" />
      <Pager basePath="/admin/invoices" params={flatSearchParams(params)} nextCursor={result?.nextCursor ?? null} />
    </div>
  );
}
