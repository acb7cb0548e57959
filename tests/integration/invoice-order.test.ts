import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppDatabase } from "@/db/client";
import { invoices, users } from "@/db/schema";
import { listUserInvoices } from "@/lib/billing/invoices";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";

/**
 * Invoices of one second are ordered by Stripe's per-customer sequence number. Stripe pads it to
 * four digits and lets it grow (PREFIX-9999, PREFIX-10000), so text order alone would put the
 * 10,000th invoice before the 9,999th.
 */
describe.each(DATABASE_KINDS)("invoice list order on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
  });
  afterAll(() => database.destroy());

  it("orders invoices of the same second by sequence number past 9,999, on every page", async () => {
    const [user] = await database.db.insert(users).values({ email: "many-invoices@example.com" }).returning();
    const created = new Date("2026-12-03T10:00:00.000Z");
    const numbers = ["ACME-9998", "ACME-10001", "ACME-9999", "ACME-10000"];
    await database.db.insert(invoices).values(
      numbers.map((number, i) => ({
        accountId: user.id,
        providerInvoiceId: `in_order_${i}`,
        number,
        status: "paid",
        currency: "usd",
        providerCreatedAt: created,
      })),
    );
    const expected = ["ACME-10001", "ACME-10000", "ACME-9999", "ACME-9998"];
    expect((await listUserInvoices(user.id, { limit: 10 })).invoices.map((i) => i.number)).toEqual(expected);
    const paged: Array<string | null> = [];
    for (let cursor: string | undefined, pages = 0; pages === 0 || cursor; pages += 1) {
      const page = await listUserInvoices(user.id, { limit: 1, cursor });
      paged.push(...page.invoices.map((i) => i.number));
      cursor = page.nextCursor ?? undefined;
    }
    expect(paged).toEqual(expected);
  });
});
