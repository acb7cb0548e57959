import { and, desc, eq, lt, or } from "drizzle-orm";
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

const encodeCursor = (created: Date, id: string) => Buffer.from(`${created.toISOString()}|${id}`).toString("base64url");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor this API did not hand out (wrong shape, a non-UUID id, a bad date) is a 400, never a 500. */
function decodeCursor(cursor: string): { created: Date; id: string } {
  const [created, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const date = new Date(created ?? "");
  if (!id || !UUID.test(id) || rest.length > 0 || !isDateInRange(date)) {
    throw badRequest("Invalid cursor.", { field: "cursor" });
  }
  return { created: date, id };
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
          ? or(lt(invoices.providerCreatedAt, after.created), and(eq(invoices.providerCreatedAt, after.created), lt(invoices.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(desc(invoices.providerCreatedAt), desc(invoices.id))
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
    nextCursor: rows.length > options.limit && last ? encodeCursor(last.providerCreatedAt, last.id) : null,
  };
}
