import { and, eq } from "drizzle-orm";
import { setAppDatabase } from "@/db/client";
import { subscriptions, usageCounters, usageEvents, users, type Subscription } from "@/db/schema";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./db";

let counter = 0;

/** A migrated database of `kind`, installed as the app's database, with helpers to arrange users. */
export async function startMeteringDb(kind: DatabaseKind) {
  const database: TestDatabase = await createTestDatabase(kind);
  setAppDatabase(database);
  const db = database.db;
  return {
    database,
    db,
    async createUser(): Promise<string> {
      counter += 1;
      const [user] = await db
        .insert(users)
        .values({ email: `meter-${counter}-${Date.now()}@example.com` })
        .returning();
      return user.id;
    },
    /** A subscription row as the webhook sync would store it. */
    async subscribe(userId: string, values: Partial<Subscription> & Pick<Subscription, "planId">): Promise<Subscription> {
      counter += 1;
      const [row] = await db
        .insert(subscriptions)
        .values({
          accountId: userId,
          provider: "stripe",
          providerSubscriptionId: `sub_test_${counter}_${Date.now()}`,
          status: "active",
          interval: "month",
          ...values,
        })
        .returning();
      return row;
    },
    async counterRows(userId: string, meter: string) {
      return db
        .select()
        .from(usageCounters)
        .where(and(eq(usageCounters.accountId, userId), eq(usageCounters.meter, meter)));
    },
    async events(userId: string, meter: string) {
      return db
        .select()
        .from(usageEvents)
        .where(and(eq(usageEvents.accountId, userId), eq(usageEvents.meter, meter)));
    },
    stop: () => database.destroy(),
  };
}
