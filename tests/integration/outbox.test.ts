import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications, users } from "@/db/schema";
import { deliverOutbox } from "@/lib/outbox";
import { createTestDatabase, POOLED_DATABASE_KINDS, type TestDatabase } from "../helpers/db";

// Found by the cluster soak: Postgres stopped for a few seconds right after an email went out. The
// "sent" update failed, the delivery was taken for a failed send and rescheduled, and the customer
// would have got the email a second time a minute later.
describe.each(POOLED_DATABASE_KINDS)("outbox delivery (%s)", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.destroy());

  it("an email that went out is recorded as sent even when the database refuses the first write after it, and is never sent again", async () => {
    const db = database.db;
    const [user] = await db.insert(users).values({ email: "outbox-once@example.com" }).returning();
    const [row] = await db
      .insert(notifications)
      .values({
        accountId: user.id,
        toEmail: user.email,
        kind: "payment_failed",
        subject: "Your payment failed",
        body: "…",
        sourceEventId: "evt_outbox_once",
      })
      .returning();
    // The first write that marks a row sent fails, as it does while the database restarts.
    await db.execute(sql.raw("create sequence outbox_refusals"));
    await db.execute(
      sql.raw(`create function outbox_refuse_once() returns trigger language plpgsql as $$
        begin
          if new.status = 'sent' and nextval('outbox_refusals') = 1 then
            raise exception 'terminating connection due to administrator command';
          end if;
          return new;
        end $$`),
    );
    await db.execute(
      sql.raw("create trigger outbox_refuse_once before update on notifications for each row execute function outbox_refuse_once()"),
    );
    const sent: string[] = [];
    const send = async (message: { id: string }) => {
      sent.push(message.id);
    };

    expect(await deliverOutbox(db, notifications, send)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const [after] = await db.select().from(notifications).where(eq(notifications.id, row.id));
    expect(after).toMatchObject({ status: "sent", error: null, attempts: 1 });
    // Later rounds, even past the claim's lease, have nothing to send.
    expect(await deliverOutbox(db, notifications, send, { now: new Date(Date.now() + 86_400_000) })).toEqual({
      sent: 0,
      retrying: 0,
      failed: 0,
    });
    expect(sent).toEqual([row.id]);
  });
});
