/** Every customer's invoices for admins: filter by status and date, keyset pages, totals per currency. */
import "server-only";
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { billingCustomers, invoices, users, type CustomerTaxId, type InvoiceTaxLine } from "@/db/schema";
import { DATE_RANGE_MESSAGE, isDateInRange } from "@/lib/input-rules";
import { cursorDate, cursorUuid, decodeCursor, encodeCursor, pageOf } from "@/lib/pagination";

export const INVOICE_STATUSES = ["draft", "open", "paid", "uncollectible", "void"] as const;

const day = z.iso.date({ message: "must be a date (YYYY-MM-DD)" }).refine((d) => isDateInRange(`${d}T00:00:00Z`), DATE_RANGE_MESSAGE);

export const adminInvoiceQuery = z
  .object({
    status: z.enum(INVOICE_STATUSES, { message: `status must be one of ${INVOICE_STATUSES.join(", ")}` }).optional(),
    /** Inclusive, UTC day. */
    from: day.optional(),
    /** Inclusive, UTC day. */
    to: day.optional(),
    accountId: z.uuid("accountId must be an account id").optional(),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "from must not be after to", path: ["from"] });
export type AdminInvoiceQuery = z.infer<typeof adminInvoiceQuery>;

export interface AdminInvoiceRow {
  id: string;
  accountId: string | null;
  email: string | null;
  number: string | null;
  status: string;
  currency: string;
  total: number;
  amountPaid: number;
  amountDue: number;
  amountRefunded: number;
  attemptCount: number;
  created: string;
  hostedInvoiceUrl: string | null;
  taxes: InvoiceTaxLine[];
  customerTaxIds: CustomerTaxId[];
}

export interface InvoiceTotals {
  currency: string;
  count: number;
  total: number;
  paid: number;
  due: number;
}

function filters(query: AdminInvoiceQuery): SQL[] {
  const endOfTo = query.to ? new Date(`${query.to}T00:00:00Z`) : null;
  if (endOfTo) endOfTo.setUTCDate(endOfTo.getUTCDate() + 1);
  return [
    query.status ? eq(invoices.status, query.status) : undefined,
    query.from ? gte(invoices.providerCreatedAt, new Date(`${query.from}T00:00:00Z`)) : undefined,
    endOfTo ? lt(invoices.providerCreatedAt, endOfTo) : undefined,
    query.accountId ? eq(invoices.accountId, query.accountId) : undefined,
  ].filter((c): c is SQL => c !== undefined);
}

export async function listAdminInvoices(
  db: Queryable,
  query: AdminInvoiceQuery,
): Promise<{ invoices: AdminInvoiceRow[]; nextCursor: string | null; totals: InvoiceTotals[] }> {
  let after: SQL | undefined;
  if (query.cursor) {
    const [created, id] = decodeCursor(query.cursor, 2);
    const at = cursorDate(created);
    after = or(lt(invoices.providerCreatedAt, at), and(eq(invoices.providerCreatedAt, at), lt(invoices.id, cursorUuid(id))));
  }
  const where = filters(query);
  const [rows, totals] = await Promise.all([
    db
      // The person's address for a personal account, else the billing email of the invoice's customer.
      .select({ invoice: invoices, email: sql<string | null>`coalesce(${users.email}, ${billingCustomers.email})` })
      .from(invoices)
      .leftJoin(users, eq(users.id, invoices.accountId))
      .leftJoin(billingCustomers, eq(billingCustomers.id, invoices.billingCustomerId))
      .where(and(...where, after))
      .orderBy(desc(invoices.providerCreatedAt), desc(invoices.id))
      .limit(query.limit + 1),
    db
      .select({
        currency: invoices.currency,
        count: sql<number>`count(*)::int`,
        total: sql<string>`coalesce(sum(${invoices.total}), 0)`,
        paid: sql<string>`coalesce(sum(${invoices.amountPaid} - ${invoices.amountRefunded}), 0)`,
        due: sql<string>`coalesce(sum(${invoices.amountRemaining}) filter (where ${invoices.status} = 'open'), 0)`,
      })
      .from(invoices)
      .where(and(...where))
      .groupBy(invoices.currency)
      .orderBy(invoices.currency),
  ]);
  const page = pageOf(rows, query.limit, (r) => encodeCursor([r.invoice.providerCreatedAt, r.invoice.id]));
  return {
    invoices: page.items.map(({ invoice, email }) => ({
      id: invoice.providerInvoiceId,
      accountId: invoice.accountId,
      email,
      number: invoice.number,
      status: invoice.status,
      currency: invoice.currency,
      total: invoice.total,
      amountPaid: invoice.amountPaid,
      amountDue: invoice.amountDue,
      amountRefunded: invoice.amountRefunded,
      attemptCount: invoice.attemptCount,
      created: invoice.providerCreatedAt.toISOString(),
      hostedInvoiceUrl: invoice.hostedInvoiceUrl,
      taxes: invoice.taxes,
      customerTaxIds: invoice.customerTaxIds,
    })),
    nextCursor: page.nextCursor,
    totals: totals.map((t) => ({
      currency: t.currency,
      count: Number(t.count),
      total: Number(t.total),
      paid: Number(t.paid),
      due: Number(t.due),
    })),
  };
}
