"use client";

import { useState } from "react";
import { Alert } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import type { InvoiceView } from "@/lib/billing/invoices";
import { formatMoney, formatShortDate, invoiceStatusLabel } from "@/lib/format";
import { callApi, isHttpUrl } from "./api";
import { INVOICE_PAGE_SIZE } from "./constants";
import { InvoiceTaxCell } from "./tax-lines";

const STATUS_TONES: Record<string, string> = {
  paid: "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200",
  open: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  uncollectible: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
  void: "bg-gray-200 text-gray-700",
  draft: "bg-gray-100 text-gray-700",
};

/** The first page comes from the server; "Load more" follows the API's keyset cursor. */
export function InvoiceTable({
  accountId,
  initial,
  initialCursor,
}: {
  accountId: string;
  initial: InvoiceView[];
  initialCursor: string | null;
}) {
  const [invoices, setInvoices] = useState(initial);
  const [cursor, setCursor] = useState(initialCursor);
  const [loading, setLoading] = useState(false);
  const hydrated = useHydrated();
  const [error, setError] = useState<string | null>(null);

  async function loadMore() {
    if (!cursor) return;
    setLoading(true);
    setError(null);
    const result = await callApi<{ invoices: InvoiceView[]; nextCursor: string | null }>(
      `/api/billing/invoices?${new URLSearchParams({ accountId, limit: String(INVOICE_PAGE_SIZE), cursor })}`,
    );
    setLoading(false);
    if (!result.ok) {
      setError(`More invoices could not be loaded: ${result.message}`);
      return;
    }
    setInvoices((current) => {
      const seen = new Set(current.map((i) => i.id));
      return [...current, ...result.data.invoices.filter((i) => !seen.has(i.id))];
    });
    setCursor(result.data.nextCursor);
  }

  if (invoices.length === 0) {
    return <p className="text-sm text-gray-600">No invoices yet.</p>;
  }

  return (
    <div className="space-y-4">
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="invoice-table">
          <caption className="sr-only">Your invoices, newest first</caption>
          <thead className="text-gray-600">
            <tr>
              <th scope="col" className="py-2 pr-4 font-medium">
                Number
              </th>
              <th scope="col" className="py-2 pr-4 font-medium">
                Date
              </th>
              <th scope="col" className="py-2 pr-4 text-right font-medium">
                Amount
              </th>
              <th scope="col" className="py-2 pr-4 font-medium">
                Tax
              </th>
              <th scope="col" className="py-2 pr-4 font-medium">
                Status
              </th>
              <th scope="col" className="py-2 font-medium">
                <span className="sr-only">Links</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {invoices.map((invoice) => {
              const label = invoice.number ?? invoice.id;
              return (
                <tr key={invoice.id} data-testid="invoice-row">
                  <td className="py-2 pr-4 font-mono text-xs">{label}</td>
                  <td className="py-2 pr-4">
                    <time dateTime={invoice.created} suppressHydrationWarning>
                      {formatShortDate(invoice.created)}
                    </time>
                  </td>
                  <td className="py-2 pr-4 text-right tabular-nums">{formatMoney(invoice.total, invoice.currency)}</td>
                  <td className="py-2 pr-4">
                    <InvoiceTaxCell taxes={invoice.taxes ?? []} customerTaxIds={invoice.customerTaxIds ?? []} currency={invoice.currency} />
                  </td>
                  <td className="py-2 pr-4">
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_TONES[invoice.status] ?? "bg-gray-100 text-gray-700"}`}
                    >
                      {invoiceStatusLabel(invoice.status)}
                    </span>
                  </td>
                  <td className="space-x-3 py-2 whitespace-nowrap">
                    {isHttpUrl(invoice.hostedInvoiceUrl) && (
                      <a
                        href={invoice.hostedInvoiceUrl}
                        target="_blank"
                        rel="noopener noreferrer"
                        aria-label={`View invoice ${label}`}
                        className="text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300"
                      >
                        View
                      </a>
                    )}
                    {isHttpUrl(invoice.invoicePdf) && (
                      <a
                        href={invoice.invoicePdf}
                        target="_blank"
                        rel="noopener noreferrer"
                        aria-label={`Invoice ${label} PDF`}
                        className="text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300"
                      >
                        PDF
                      </a>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {error && <Alert>{error}</Alert>}
      {cursor && (
        <button
          type="button"
          onClick={() => void loadMore()}
          disabled={loading || !hydrated}
          aria-busy={loading}
          className="rounded-md border border-gray-300 bg-surface px-4 py-2 text-sm font-medium hover:bg-gray-100 disabled:opacity-60"
        >
          {loading ? "Loading…" : "Load more"}
        </button>
      )}
    </div>
  );
}
