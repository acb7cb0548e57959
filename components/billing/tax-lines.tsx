import type { CustomerTaxId, InvoiceTaxLine } from "@/db/schema";
import { formatMoney } from "@/lib/format";

const REASONS: Record<string, string> = {
  reverse_charge: "Reverse charge",
  not_collecting: "No tax collected",
  customer_exempt: "Tax exempt",
  not_subject_to_tax: "Not subject to tax",
  zero_rated: "Zero-rated",
};

/** One invoice tax line in words: "VAT 19%: $18.81", "VAT 20% (included): €2.00", "Reverse charge". */
export function taxLineLabel(line: InvoiceTaxLine, currency: string): string {
  if (line.amount === 0 && line.reason && REASONS[line.reason]) return REASONS[line.reason];
  const rate = line.rate === null ? "" : ` ${line.rate}%`;
  return `${line.displayName}${rate}${line.inclusive ? " (included)" : ""}: ${formatMoney(line.amount, currency)}`;
}

/** The tax lines worth showing (each reason once; zero lines without a reason say nothing). */
export function visibleTaxLines(taxes: InvoiceTaxLine[], currency: string): string[] {
  const labels = taxes.filter((t) => t.amount !== 0 || (t.reason && REASONS[t.reason])).map((t) => taxLineLabel(t, currency));
  return [...new Set(labels)];
}

export const taxIdLabel = (taxId: CustomerTaxId) => `${taxId.type.replace(/_/g, " ").toUpperCase()} ${taxId.value}`;

/** An invoice's tax cell: its tax lines and the customer's tax IDs it carries; "—" without tax. */
export function InvoiceTaxCell({
  taxes,
  customerTaxIds,
  currency,
}: {
  taxes: InvoiceTaxLine[];
  customerTaxIds: CustomerTaxId[];
  currency: string;
}) {
  const lines = visibleTaxLines(taxes, currency);
  if (lines.length === 0 && customerTaxIds.length === 0) return <span className="text-gray-500">—</span>;
  return (
    <span className="block text-xs" data-testid="invoice-tax">
      {lines.map((line) => (
        <span key={line} className="block">
          {line}
        </span>
      ))}
      {customerTaxIds.map((t) => (
        <span key={`${t.type}:${t.value}`} className="block text-gray-600">
          {taxIdLabel(t)}
        </span>
      ))}
    </span>
  );
}
