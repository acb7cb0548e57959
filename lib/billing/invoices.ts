import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { invoices } from "@/db/schema";
import { isDateInRange } from "@/lib/input-rules";
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
}

/**
 * Newest first by Stripe's `created` (seconds), then by invoice number: one change can issue two
 * invoices in the same second (an upgrade out of a trial: the $0 proration, then the charge), and
 * Stripe numbers a customer's invoices in sequence. The row id only breaks the remaining ties.
 */
const sequence = sql<string>`coalesce(${invoices.number}, '')`;

const encodeCursor = (created: Date, number: string | null, id: string) =>
  Buffer.from(`${created.toISOString()}|${number ?? ""}|${id}`).toString("base64url");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor this API did not hand out (wrong shape, a non-UUID id, a bad date) is a 400, never a 500. */
function decodeCursor(cursor: string): { created: Date; number: string; id: string } {
  const [created, number, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const date = new Date(created ?? "");
  if (!id || !UUID.test(id) || number === undefined || number.length > 100 || rest.length > 0 || !isDateInRange(date)) {
    throw badRequest("Invalid cursor.", { field: "cursor" });
  }
  return { created: date, number, id };
}

/** The user's invoices, newest first, with keyset pagination (stable while new invoices arrive). */
export async function listUserInvoices(userId: string, options: { limit: number; cursor?: string }): Promise<{ invoices: InvoiceView[]; nextCursor: string | null }> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 100) {
    throw badRequest("limit must be an integer from 1 to 100.", { field: "limit" });
  }
  const db = await getDb();
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.userId, userId),
        after
          ? sql`(${invoices.providerCreatedAt}, ${sequence}, ${invoices.id}) < (${after.created.toISOString()}::timestamptz, ${after.number}::text, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(invoices.providerCreatedAt), desc(sequence), desc(invoices.id))
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
    })),
    nextCursor: rows.length > options.limit && last ? encodeCursor(last.providerCreatedAt, last.number, last.id) : null,
  };
}
