import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { notifications, users } from "@/db/schema";
import { queueNotification } from "@/lib/billing/notifications";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/db";

// Every billing email is queued through queueNotification (the webhook's payment-failed, trial,
// cancel notices), so every one must carry the support address.
describe.each(DATABASE_KINDS)("billing emails name the support contact (%s)", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.destroy());
  afterEach(() => {
    delete process.env.SUPPORT_EMAIL;
  });

  async function queued(sourceEventId: string) {
    const [user] = await database.db
      .insert(users)
      .values({ email: `${sourceEventId}@example.com` })
      .returning();
    await queueNotification(database.db, {
      accountId: user.id,
      kind: "payment_failed",
      sourceEventId,
      subject: "Your payment failed",
      body: "We could not charge your card.",
    });
    const [row] = await database.db.select().from(notifications).where(eq(notifications.accountId, user.id));
    return row;
  }

  it("ends with the default support address when SUPPORT_EMAIL is unset", async () => {
    const row = await queued("evt_support_default");
    expect(row.body).toBe("We could not charge your card.\n\nQuestions about your bill? Write to support@example.com.");
  });

  it("uses SUPPORT_EMAIL when it is set", async () => {
    process.env.SUPPORT_EMAIL = "billing-help@acme.test";
    const row = await queued("evt_support_custom");
    expect(row.body).toMatch(/Write to billing-help@acme\.test\.$/);
    expect(row.body).not.toContain("support@example.com");
  });
});
