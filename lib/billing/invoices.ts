import "server-only";
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { invoices, type CustomerTaxId, type InvoiceTaxLine } from "@/db/schema";
import { cursorDate, cursorUuid, decodeCursor, encodeCursor } from "@/lib/pagination";
import { badRequest } from "@/lib/errors";

export interface InvoiceView {
  id: string;
  number: string | null;
  status: string;
  billingReason: string | null;
  currency: string;
  total: number;
  amountDue: number;
  amountPaid: number;
  created: string;
  periodStart: string | null;
  periodEnd: string | null;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
  /** Tax lines (VAT 19 %, reverse charge, …); empty without tax. */
  taxes: InvoiceTaxLine[];
  /** The customer's tax IDs the invoice carries. */
  customerTaxIds: CustomerTaxId[];
}

/**
 * Newest first by Stripe's `created` (seconds), then by invoice number: one change can issue two
 * invoices in the same second (an upgrade out of a trial: the $0 proration, then the charge), and
 * Stripe numbers a customer's invoices in sequence (`PREFIX-0009`, …, `PREFIX-10000`: shorter first,
 * so the 10,000th sorts after the 9,999th). The row id only breaks the remaining ties.
 */
const sequence = sql<string>`coalesce(${invoices.number}, '')`;
const sequenceLength = sql<number>`length(coalesce(${invoices.number}, ''))`;

/** A cursor this API did not hand out (wrong shape, a non-UUID id, a bad date) is a 400, never a 500. */
function decodeInvoiceCursor(cursor: string): { created: Date; number: string; id: string } {
  const [created, number, id] = decodeCursor(cursor, 3);
  if (typeof number !== "string") throw badRequest("Invalid cursor.", { field: "cursor" });
  return { created: cursorDate(created), number, id: cursorUuid(id) };
}

/** The user's invoices, newest first, with keyset pagination (stable while new invoices arrive). */
export async function listUserInvoices(
  accountId: string,
  options: { limit: number; cursor?: string },
): Promise<{ invoices: InvoiceView[]; nextCursor: string | null }> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 100) {
    throw badRequest("limit must be an integer from 1 to 100.", { field: "limit" });
  }
  const db = await getDb();
  const after = options.cursor ? decodeInvoiceCursor(options.cursor) : null;
  const rows = await db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.accountId, accountId),
        after
          ? sql`(${invoices.providerCreatedAt}, ${sequenceLength}, ${sequence}, ${invoices.id}) < (${after.created.toISOString()}::timestamptz, length(${after.number}::text), ${after.number}::text, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(invoices.providerCreatedAt), desc(sequenceLength), desc(sequence), desc(invoices.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    invoices: page.map((row) => ({
      id: row.providerInvoiceId,
      number: row.number,
      status: row.status,
      billingReason: row.billingReason,
      currency: row.currency,
      total: row.total,
      amountDue: row.amountDue,
      amountPaid: row.amountPaid,
      created: row.providerCreatedAt.toISOString(),
      periodStart: row.periodStart?.toISOString() ?? null,
      periodEnd: row.periodEnd?.toISOString() ?? null,
      hostedInvoiceUrl: row.hostedInvoiceUrl,
      invoicePdf: row.invoicePdf,
      taxes: row.taxes,
      customerTaxIds: row.customerTaxIds,
    })),
    nextCursor: rows.length > options.limit && last ? encodeCursor([last.providerCreatedAt, last.number ?? "", last.id]) : null,
  };
}
