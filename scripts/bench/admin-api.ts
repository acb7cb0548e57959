/**
 * Admin API benchmark: p50/p95 of each admin API's real route handler (session cookie, zod,
 * domain read, JSON) on a large database, against GET /api/me (auth + one row) as the in-run
 * baseline. Target: every p95 under 100 ms on real Postgres with 100,000 customers and
 * 1,000,000 webhook events.
 *
 *   DATABASE_URL=postgres://…/bench npm run db:seed:large     # once
 *   DATABASE_URL=postgres://…/bench npm run bench:admin
 *
 * Bounded: BENCH_ITERATIONS (default 40) timed calls per API after 3 warm-up calls.
 */
import { performance } from "node:perf_hooks";
import { eq, sql } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { databaseOptionsFromEnv, openDatabase, selectRows, setAppDatabase } from "@/db/client";
import { users } from "@/db/schema";
import { computeAdminMetrics } from "@/lib/billing/admin/metrics";
import { runScript } from "../lib/run-script";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
const TARGET_MS = 100;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

type Handler = (request: NextRequest, context: { params: Promise<{ id: string }> }) => Promise<Response>;

runScript(async () => {
  process.env.LOG_LEVEL = "silent";
  process.env.NEXTAUTH_SECRET ??= "bench-only-secret";
  const options = databaseOptionsFromEnv();
  const database = await openDatabase(options);
  await database.migrate();
  setAppDatabase(database);
  const db = database.db;

  const [{ customers, events }] = await selectRows<{ customers: number; events: number }>(
    db,
    sql`select (select count(*)::int from users) as customers, (select count(*)::int from webhook_events) as events`,
  );
  if (customers < 1000) console.warn(`Only ${customers} users: run npm run db:seed:large first for meaningful figures.`);

  const [admin] = await db
    .insert(users)
    // Admin rights need a verified address (lib/auth/roles.ts); the session carries the user's session version.
    .values({ email: "bench-admin@example.com", role: "admin", emailVerifiedAt: new Date() })
    .onConflictDoUpdate({ target: users.email, set: { role: "admin", emailVerifiedAt: new Date() } })
    .returning();
  const token = { sub: admin.id, sv: admin.sessionVersion };
  const cookie = `next-auth.session-token=${await encode({ token, secret: process.env.NEXTAUTH_SECRET })}`;
  const [someone] = await db.select({ id: users.id }).from(users).where(eq(users.email, "seed-4242@large.example")).limit(1);
  const customerId = someone?.id ?? admin.id;

  const route = async (path: string) => (await import(`@/app/api${path}/route`)) as { GET: Handler };
  const me = await route("/me");
  const usersApi = await route("/billing/admin/users");
  const customerApi = await route("/billing/admin/users/[id]");
  const invoicesApi = await route("/billing/admin/invoices");
  const metricsApi = await route("/billing/admin/metrics");
  const webhooksApi = await route("/billing/admin/webhooks");
  const auditApi = await route("/billing/admin/audit");

  async function call(handler: Handler, url: string, id = "x"): Promise<Response> {
    const response = await handler(new NextRequest(new URL(url, "http://bench.local"), { headers: { cookie } }), {
      params: Promise.resolve({ id }),
    });
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    return response;
  }
  const cursorOf = async (handler: Handler, url: string) =>
    ((await (await call(handler, url)).json()) as { nextCursor: string }).nextCursor;

  const deepUsers = await cursorOf(usersApi.GET, "/api/billing/admin/users?limit=100");
  const deepEvents = await cursorOf(webhooksApi.GET, "/api/billing/admin/webhooks?limit=100");
  const cases: Array<[string, Handler, string, string?]> = [
    ["baseline GET /api/me", me.GET, "/api/me"],
    ["users (newest)", usersApi.GET, "/api/billing/admin/users"],
    ["users page 2", usersApi.GET, `/api/billing/admin/users?limit=100&cursor=${deepUsers}`],
    ["users search email", usersApi.GET, "/api/billing/admin/users?search=seed-4242"],
    ["users status=past_due", usersApi.GET, "/api/billing/admin/users?status=past_due"],
    ["users plan=scale by email", usersApi.GET, "/api/billing/admin/users?plan=scale&sort=email&dir=asc"],
    ["users sort=mrr", usersApi.GET, "/api/billing/admin/users?sort=mrr"],
    ["customer detail", customerApi.GET, `/api/billing/admin/users/${customerId}`, customerId],
    ["invoices (newest)", invoicesApi.GET, "/api/billing/admin/invoices"],
    ["invoices status=open", invoicesApi.GET, "/api/billing/admin/invoices?status=open"],
    [
      "invoices last 30 days",
      invoicesApi.GET,
      `/api/billing/admin/invoices?from=${new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)}`,
    ],
    ["metrics (cached ≤ 60 s)", metricsApi.GET, "/api/billing/admin/metrics"],
    ["metrics query, uncached", async () => Response.json(await computeAdminMetrics(db)), "/uncached"],
    ["webhooks (newest)", webhooksApi.GET, "/api/billing/admin/webhooks"],
    ["webhooks page 2", webhooksApi.GET, `/api/billing/admin/webhooks?limit=100&cursor=${deepEvents}`],
    ["webhooks status=failed", webhooksApi.GET, "/api/billing/admin/webhooks?status=failed"],
    ["webhooks type=invoice.paid", webhooksApi.GET, "/api/billing/admin/webhooks?type=invoice.paid"],
    ["audit log", auditApi.GET, "/api/billing/admin/audit"],
  ];

  console.log(`Admin API benchmark on ${database.kind}: ${customers} users, ${events} webhook events, ${ITERATIONS} calls each`);
  console.log(`${"API".padEnd(30)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"×base".padStart(7)}  target`);
  let baseline = 0;
  let failures = 0;
  for (const [label, handler, url, id] of cases) {
    for (let i = 0; i < 3; i++) await call(handler, url, id);
    const times: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const started = performance.now();
      await (await call(handler, url, id)).arrayBuffer();
      times.push(performance.now() - started);
    }
    const p95 = percentile(times, 95);
    if (!baseline) baseline = p95;
    const ok = p95 < TARGET_MS;
    if (!ok) failures += 1;
    console.log(
      `${label.padEnd(30)} ${percentile(times, 50).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${(p95 / baseline).toFixed(1).padStart(7)}  ${ok ? "ok" : `OVER ${TARGET_MS} ms`}`,
    );
  }
  console.log(failures === 0 ? `Every p95 is under ${TARGET_MS} ms.` : `${failures} APIs over ${TARGET_MS} ms at p95.`);
  await database.close();
});
