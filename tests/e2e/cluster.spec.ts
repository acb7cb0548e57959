import { randomUUID } from "node:crypto";
import postgres from "postgres";
import Stripe from "stripe";
import { startCluster, type Cluster } from "../../scripts/lib/cluster";
import { emulatorStripeClient } from "stripe-emulator";
import { startSmtpCapture } from "../helpers/smtp";
import { expect, test } from "./helpers";

/**
 * "Everything works through it" (issue 19), proven against the production shape: three `next start`
 * instances of one build behind HAProxy, PgBouncer in transaction mode in front of one Postgres, the
 * emulator delivering webhooks to the balancer (scripts/lib/cluster.ts). Each test talks to the
 * instances directly, so it knows which process (and which per-process cache) answers: a session
 * and an API key work on any instance, rate limits are shared, every instance's entitlement cache
 * sees a plan change or an admin override on the next call, the cron jobs run on every instance at
 * once without doing anything twice, and one webhook event posted to every instance at once is
 * processed once. One cluster for the whole file; the tests run in order and build on each other.
 */
test.describe.configure({ mode: "serial" });

const INSTANCES = 3;
const PASSWORD = "cluster-password-42";
const ADMIN_EMAIL = `cluster-admin-${randomUUID().slice(0, 8)}@example.com`;

let cluster: Cluster;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let sql: postgres.Sql;
let stripe: Stripe;
const logLines: string[] = [];
/** How often an instance logged that the rate-limit store did not answer in time (it then counts in memory for 5 s). */
let storeTimeouts = 0;

/** Each client its own address, as the balancer reports it (X-Forwarded-For), so per-IP budgets are its own. */
let ipCounter = 0;
const newIp = () => `10.${(process.pid >> 8) & 255}.${process.pid & 255}.${(ipCounter += 1)}`;

const at = (i: number) => cluster.instances[i].url;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  base: string,
  path: string,
  options: { method?: string; body?: unknown; cookie?: string; key?: string; bearer?: string; ip?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "x-forwarded-for": options.ip ?? newIp() };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.key ?? options.bearer) headers.authorization = `Bearer ${options.key ?? options.bearer}`;
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  if (method !== "GET") headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: method === "GET" ? undefined : JSON.stringify(options.body ?? {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

const cookiePairs = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]);

/** A new account (sign-up through `base`), its address verified as if the link had been followed. */
async function signUp(
  base: string,
  prefix: string,
  email = `${prefix}-${randomUUID().slice(0, 8)}@example.com`,
): Promise<{ id: string; email: string }> {
  expect((await call(base, "/api/account", { body: { email, password: PASSWORD } })).status).toBe(201);
  const [row] = await sql<{ id: string }[]>`update users set email_verified_at = now() where email = ${email} returning id`;
  return { id: row.id, email };
}

/** Signs in through next-auth's own credentials endpoint on `base`, as its client does; the session cookie. */
async function signIn(base: string, email: string): Promise<string> {
  const ip = newIp();
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: { "x-forwarded-for": ip } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiePairs(csrf).join("; "), "x-forwarded-for": ip },
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD, json: "true", callbackUrl: "/billing" }),
  });
  await res.arrayBuffer();
  const session = cookiePairs(res).find((c) => c.startsWith("next-auth.session-token="));
  expect(session, `sign-in of ${email} through ${base} (${res.status}) sets a session cookie`).toBeTruthy();
  return session as string;
}

/** Signs out through next-auth on `base` (which revokes the user's sessions everywhere). */
async function signOut(base: string, cookie: string): Promise<void> {
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: [cookie, ...cookiePairs(csrf)].join("; ") },
    body: new URLSearchParams({ csrfToken, json: "true", callbackUrl: "/" }),
  });
  await res.arrayBuffer();
  expect(res.status, "next-auth sign-out").toBeLessThan(400);
}

const consume = (i: number, auth: { cookie?: string; key?: string }, meter: string, quantity = 1) =>
  call(at(i), "/api/billing/usage", { ...auth, body: { meter, quantity, idempotencyKey: randomUUID() } });

const onEveryInstance = <T>(run: (i: number) => Promise<T>) => Promise.all(cluster.instances.map((instance) => run(instance.index)));

/** Every delivery the emulator has queued, answered (its retries too). */
const flushWebhooks = async () => expect((await fetch(`${cluster.emulatorUrl}/_emulator/flush`, { method: "POST" })).status).toBe(200);

// The customer the tests share: signs up and pays for Pro through the cluster in beforeAll.
let payer: { id: string; email: string; cookie: string };
let admin: { id: string; email: string; cookie: string };

test.beforeAll(async () => {
  test.setTimeout(420_000);
  smtp = await startSmtpCapture();
  cluster = await startCluster({
    instances: INSTANCES,
    env: {
      // The shared store is what is under test: on, in Postgres, whatever the caller's env says.
      RATE_LIMITS: "on",
      RATE_LIMIT_STORE: "postgres",
      SMTP_URL: smtp.url,
      ADMIN_EMAILS: ADMIN_EMAIL,
      BCRYPT_ROUNDS: "4",
    },
    log: (line) => {
      if (line.includes("rate limiter store did not answer")) storeTimeouts += 1;
      logLines.push(line);
      if (logLines.length > 400) logLines.shift();
    },
  });
  sql = postgres(cluster.databaseUrl, { max: 2, onnotice: () => {} });
  stripe = emulatorStripeClient(cluster.emulatorUrl);

  // Sign-up on one instance, sign-in on another, checkout on the third; the emulator's webhooks go
  // through the balancer to whichever instance is next.
  const user = await signUp(at(0), "cluster-payer");
  payer = { ...user, cookie: await signIn(at(1), user.email) };
  const checkout = await call(at(2), "/api/billing/checkout", { cookie: payer.cookie, body: { plan: "pro", interval: "month" } });
  expect(checkout.status, JSON.stringify(checkout.body)).toBe(200);
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(String(checkout.body.url))?.[1];
  const completed = await fetch(`${cluster.emulatorUrl}/_emulator/checkout/sessions/${sessionId}/complete`, {
    method: "POST",
    body: JSON.stringify({ card: "4242424242424242" }),
  });
  expect(completed.status).toBe(200);
  await flushWebhooks();
  await expect
    .poll(async () => (await call(at(0), "/api/billing/quota", { cookie: payer.cookie })).body.plan, { timeout: 30_000 })
    .toBe("pro");

  // An admin (ADMIN_EMAILS, verified), signed in through yet another instance.
  const adminUser = await signUp(at(1), "cluster-admin", ADMIN_EMAIL);
  admin = { ...adminUser, cookie: await signIn(at(2), ADMIN_EMAIL) };
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) console.log(`cluster output (last lines):\n${logLines.slice(-150).join("\n")}`);
});

test.afterAll(async () => {
  await sql?.end();
  await cluster?.stop();
  await smtp?.close();
});

test("a session made through one instance works on every instance, and a sign-out through one ends it on all", async () => {
  const user = await signUp(at(2), "cluster-session");
  const cookie = await signIn(at(0), user.email);
  for (const base of [...cluster.instances.map((i) => i.url), cluster.url, cluster.url, cluster.url]) {
    const me = await call(base, "/api/me", { cookie });
    expect(me.status, `${base}/api/me`).toBe(200);
    expect(me.body.user).toMatchObject({ id: user.id, email: user.email });
  }
  // A second session of the same user (signed in through instance 2) also holds everywhere, until…
  const other = await signIn(at(2), user.email);
  expect((await call(at(1), "/api/me", { cookie: other })).status).toBe(200);
  // …the user signs out through instance 1: both sessions are refused by every instance at once.
  await signOut(at(1), cookie);
  for (const session of [cookie, other]) {
    const answers = await onEveryInstance((i) => call(at(i), "/api/me", { cookie: session }));
    expect(answers.map((a) => a.status)).toEqual(Array(INSTANCES).fill(401));
  }
});

test("an API key created through one instance works on every instance; revoked through one, it is refused by all on the next call", async () => {
  const created = await call(at(0), "/api/billing/api-keys", { cookie: payer.cookie, body: { name: "cluster key" } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const key = String(created.body.key);
  // Used on every instance (each now holds the owner's entitlement in its cache).
  const used = await onEveryInstance((i) => consume(i, { key }, "api_calls"));
  expect(
    used.map((a) => a.status),
    JSON.stringify(used.map((a) => a.body)),
  ).toEqual(Array(INSTANCES).fill(200));
  const quota = await onEveryInstance((i) => call(at(i), "/api/billing/quota", { key }));
  for (const q of quota) expect(q.body).toMatchObject({ plan: "pro" });
  // The usage events carry the key on record, whichever instance took them.
  const [{ count }] = await sql<
    { count: number }[]
  >`select count(*)::int as count from usage_events where api_key_id = ${String(created.body.id)}`;
  expect(count).toBe(INSTANCES);

  const revoked = await call(at(2), `/api/billing/api-keys/${String(created.body.id)}`, { method: "DELETE", cookie: payer.cookie });
  expect(revoked.status).toBe(200);
  const after = await onEveryInstance((i) => consume(i, { key }, "api_calls"));
  expect(
    after.map((a) => a.status),
    JSON.stringify(after.map((a) => a.body)),
  ).toEqual(Array(INSTANCES).fill(401));
  for (const a of after) expect(a.body).toMatchObject({ error: "unauthorized" });
});

test("rate limits are shared: requests spread over the instances count against one budget", async () => {
  // The checkout policy allows 30 requests a minute per client IP, counted before authentication.
  const budget = 30;
  const checkout = (base: string, ip?: string) => call(base, "/api/billing/checkout", { ip, body: { plan: "pro", interval: "month" } });
  // By design an instance whose store call takes over 300 ms counts in memory for the next 5 s
  // (lib/http/rate-limit.ts: an outage of the store must not stall requests), which a loaded test
  // machine can provoke. Such an attempt proves nothing either way: it is run again with a fresh
  // address after that window, at most three times; the assertions below hold on a clean attempt.
  let ip = "";
  let answers: Answer[] = [];
  let refused: Answer[] = [];
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const timeoutsBefore = storeTimeouts;
    // Each instance's limiter for this policy first (its first call sets it up), from other addresses.
    for (const answer of await onEveryInstance((i) => checkout(at(i)))) expect(answer.status).toBe(401);
    ip = newIp();
    // 30 requests from one address, round-robin over the instances (10 each), use the budget up…
    answers = [];
    for (let n = 0; n < budget; n += 1) answers.push(await checkout(at(n % INSTANCES), ip));
    // …so the next one is refused by every instance (each alone has seen only 10), also through the balancer.
    refused = [...(await onEveryInstance((i) => checkout(at(i), ip))), await checkout(cluster.url, ip)];
    await new Promise((resolve) => setTimeout(resolve, 250)); // the instances' last log lines
    if (storeTimeouts === timeoutsBefore) break;
    console.log(`rate-limit store timed out during attempt ${attempt}: trying again with a fresh address`);
    await new Promise((resolve) => setTimeout(resolve, 5_500));
  }
  answers.forEach((answer, n) => expect(answer.status, `request ${n + 1} to instance ${n % INSTANCES}`).toBe(401));
  for (const answer of refused) {
    expect(answer.status).toBe(429);
    expect(answer.body).toMatchObject({ error: "rate_limited" });
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
  }
  // Another address still has its own budget.
  expect((await checkout(at(0))).status).toBe(401);
  // One counter row in Postgres, holding every request from that address.
  const [row] = await sql<{ points: number }[]>`select points from rate_limits where key = ${`checkout:ip:${ip}`}`;
  expect(row?.points).toBe(budget + INSTANCES + 1);
});

test("the entitlement cache of every instance sees an admin's limit override and a plan change on the next call", async () => {
  const auth = { cookie: payer.cookie };
  // Every instance caches the payer's entitlement (Pro: 50,000 API calls a month).
  const warm = await onEveryInstance((i) => consume(i, auth, "api_calls"));
  for (const w of warm) expect(w.body, JSON.stringify(w.body)).toMatchObject({ allowed: true, limit: 50_000 });
  const used = Math.max(...warm.map((w) => Number(w.body.used)));

  // An admin caps the payer at what they have used, through instance 0…
  const capped = await call(at(0), `/api/billing/admin/users/${payer.id}/limits`, {
    cookie: admin.cookie,
    body: { meter: "api_calls", limit: used },
  });
  expect(capped.status, JSON.stringify(capped.body)).toBe(200);
  // …and the very next call on every other instance is refused at the new limit.
  const refused = await Promise.all([1, 2].map((i) => consume(i, auth, "api_calls")));
  for (const r of refused) {
    expect(r.status, JSON.stringify(r.body)).toBe(402);
    expect(r.body).toMatchObject({ error: "quota_exceeded", limit: used });
  }

  // The override removed through instance 1: instances 0 and 2 are back on the plan's limit at once.
  await onEveryInstance((i) => consume(i, auth, "api_calls")); // (refused: keeps every cache warm)
  const removed = await call(at(1), `/api/billing/admin/users/${payer.id}/limits`, {
    cookie: admin.cookie,
    body: { meter: "api_calls", limit: null },
  });
  expect(removed.status).toBe(200);
  const back = await Promise.all([0, 2].map((i) => consume(i, auth, "api_calls")));
  for (const b of back) expect(b.body).toMatchObject({ allowed: true, limit: 50_000 });

  // A plan change (Pro → Scale) through instance 2: the next consume on 0 and 1 uses Scale's limit.
  await onEveryInstance((i) => consume(i, auth, "api_calls"));
  const changed = await call(at(2), "/api/billing/subscription/change", {
    cookie: payer.cookie,
    body: { plan: "scale", interval: "month" },
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  const scaled = await Promise.all([0, 1].map((i) => consume(i, auth, "api_calls")));
  for (const s of scaled) expect(s.body).toMatchObject({ allowed: true, limit: 1_000_000 });
  const quota = await onEveryInstance((i) => call(at(i), "/api/billing/quota", auth));
  for (const q of quota) expect(q.body).toMatchObject({ plan: "scale", meters: { api_calls: { limit: 1_000_000 } } });
});

test("cron jobs and the usage reporter run on every instance at once without doing any work twice", async () => {
  await flushWebhooks(); // nothing in flight that would deliver notifications meanwhile
  const cron = (i: number, job: string) => call(at(i), `/api/cron/${job}`, { bearer: cluster.env.CRON_SECRET });
  const everyInstanceTwice = (job: string) => Promise.all([...cluster.instances, ...cluster.instances].map((i) => cron(i.index, job)));

  // Notifications: 30 queued emails, the delivery job on every instance twice at the same moment.
  const run = randomUUID().slice(0, 8);
  const subjects = Array.from({ length: 30 }, (_, n) => `cluster-${run}-${n}`);
  for (const subject of subjects) {
    await sql`insert into notifications (account_id, to_email, kind, subject, body, source_event_id, status)
              values (${payer.id}, ${payer.email}, 'cluster_test', ${subject}, 'body', ${subject}, 'pending')`;
  }
  const delivered = await everyInstanceTwice("deliver");
  for (const d of delivered) expect(d.status, JSON.stringify(d.body)).toBe(200);
  const sent = delivered.reduce((sum, d) => sum + Number((d.body.notifications as { sent: number }).sent), 0);
  expect(sent).toBe(subjects.length);
  const received = smtp.received.map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1]?.trim()).filter((s) => s?.startsWith(`cluster-${run}-`));
  expect(received.sort()).toEqual([...subjects].sort());
  const rows = await sql<
    { status: string; attempts: number }[]
  >`select status, attempts from notifications where kind = 'cluster_test' and subject like ${`cluster-${run}-%`}`;
  expect(rows).toHaveLength(subjects.length);
  for (const r of rows) expect(r).toEqual({ status: "sent", attempts: 1 });

  // Billable usage: tokens past an included amount of 0 (an admin's override) are billed; 12
  // consumes spread over the instances, then the usage reporter on every instance twice at once.
  expect(
    (await call(at(0), `/api/billing/admin/users/${payer.id}/limits`, { cookie: admin.cookie, body: { meter: "tokens", limit: 0 } }))
      .status,
  ).toBe(200);
  const quantities = Array.from({ length: 12 }, (_, n) => n + 1);
  const consumed = await Promise.all(quantities.map((q, n) => consume(n % INSTANCES, { cookie: payer.cookie }, "tokens", q)));
  for (const c of consumed) expect(c.status, JSON.stringify(c.body)).toBe(200);
  const units = quantities.reduce((a, b) => a + b, 0);
  const reports = await everyInstanceTwice("usage-report");
  for (const r of reports) expect(r.status, JSON.stringify(r.body)).toBe(200);
  const total = (field: string) => reports.reduce((sum, r) => sum + Number(r.body[field]), 0);
  expect({ sent: total("sent"), duplicates: total("duplicates"), units: total("units") }).toEqual({
    sent: quantities.length,
    duplicates: 0,
    units,
  });
  const [unreported] = await sql<
    { count: number }[]
  >`select count(*)::int as count from usage_events where account_id = ${payer.id} and billable_quantity > 0 and reported_at is null`;
  expect(unreported.count).toBe(0);
  const [customer] = await sql<{ id: string }[]>`select provider_customer_id as id from billing_customers where account_id = ${payer.id}`;
  const meter = (await stripe.billing.meters.list({ status: "active" })).data.find((m) => m.event_name === "ai_tokens")!;
  const now = Math.floor(Date.now() / 1000);
  const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
    customer: customer.id,
    start_time: now - 3600 * 24 * 40,
    end_time: now + 3600 * 24 * 40,
  });
  expect(summaries.data.reduce((sum, s) => sum + s.aggregated_value, 0)).toBe(units);

  // Reconcile: the payer's row drifted from Stripe (a lost webhook); every instance reconciles at once.
  const [before] = await sql<{ id: string; status: string; sub: string }[]>`
    select id, status, provider_subscription_id as sub from subscriptions where account_id = ${payer.id}`;
  await sql`update subscriptions set status = 'canceled' where id = ${before.id}`;
  const reconciled = await Promise.all(cluster.instances.map((i) => cron(i.index, "reconcile")));
  for (const r of reconciled) expect(r.status, JSON.stringify(r.body)).toBe(200);
  const [after] = await sql<{ status: string }[]>`select status from subscriptions where id = ${before.id}`;
  expect(after.status).toBe(before.status);
  const repairs = reconciled.flatMap((r) =>
    (r.body.drift as Array<{ subscriptionId: string; repaired: boolean }>).filter((d) => d.subscriptionId === before.sub),
  );
  expect(repairs).toEqual([expect.objectContaining({ subscriptionId: before.sub, repaired: true })]);
  const [audit] = await sql<
    { count: number }[]
  >`select count(*)::int as count from audit_log where action = 'reconcile.drift' and target_id = ${before.sub}`;
  expect(audit.count).toBe(1);
  const [alerts] = await sql<
    { count: number }[]
  >`select count(*)::int as count from operator_alerts where kind = 'reconcile_drift' and data->>'subscriptionId' = ${before.sub}`;
  expect(alerts.count).toBe(1);
});

test("one webhook event posted to every instance at once is processed once, the other deliveries answer duplicate", async () => {
  await flushWebhooks();
  const [row] = await sql<{ sub: string }[]>`select provider_subscription_id as sub from subscriptions where account_id = ${payer.id}`;
  const emulatorConfig = (body: unknown) =>
    fetch(`${cluster.emulatorUrl}/_emulator/config`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.arrayBuffer());
  // The emulator keeps its own deliveries back: this test posts each event itself, to every instance at once.
  await emulatorConfig({ deliveryPaused: true });
  const seen = new Set<string>();
  try {
    for (let round = 0; round < 4; round += 1) {
      // A cancellation scheduled, then withdrawn, as in Stripe's dashboard: each a real event.
      const cancelAtPeriodEnd = round % 2 === 0;
      await stripe.subscriptions.update(row.sub, { cancel_at_period_end: cancelAtPeriodEnd });
      const event = (await stripe.events.list({ limit: 20 })).data.find(
        (e) => e.type === "customer.subscription.updated" && (e.data.object as { id: string }).id === row.sub && !seen.has(e.id),
      );
      expect(event, `round ${round}: the emulator's customer.subscription.updated event`).toBeTruthy();
      seen.add(event!.id);
      const payload = JSON.stringify(event);
      const post = (base: string) =>
        fetch(`${base}/api/billing/webhook`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: cluster.webhookSecret }),
          },
          body: payload,
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { status?: string } }));
      // Every instance twice, and the balancer, all at the same moment.
      const answers = await Promise.all([...cluster.instances, ...cluster.instances].map((i) => post(i.url)).concat(post(cluster.url)));
      expect(
        answers.map((a) => a.status),
        JSON.stringify(answers),
      ).toEqual(Array(answers.length).fill(200));
      const outcomes = answers.map((a) => a.body.status).sort();
      expect(outcomes, `round ${round}`).toEqual([...Array(answers.length - 1).fill("duplicate"), "processed"]);
      const stored = await sql<{ status: string; attempts: number }[]>`select status, attempts from webhook_events where id = ${event!.id}`;
      expect(stored).toEqual([{ status: "processed", attempts: 1 }]);
      const [notices] = await sql<
        { count: number }[]
      >`select count(*)::int as count from notifications where source_event_id = ${event!.id}`;
      expect(notices.count, "the event's notification (cancellation scheduled), queued once").toBe(cancelAtPeriodEnd ? 1 : 0);
      const [current] = await sql<
        { cancel: boolean }[]
      >`select cancel_at_period_end as cancel from subscriptions where provider_subscription_id = ${row.sub}`;
      expect(current.cancel).toBe(cancelAtPeriodEnd);
    }
    // Each scheduled cancellation emailed once (sent right after processing, by the one instance that processed it).
    expect(smtp.received.filter((m) => m.to === payer.email && /^Subject: Your subscription will end/m.test(m.data))).toHaveLength(2);
  } finally {
    await emulatorConfig({ deliveryPaused: false });
  }
  // The emulator's own deliveries of the same events, through the balancer, change nothing.
  await flushWebhooks();
  const events = await sql<
    { status: string; attempts: number }[]
  >`select status, attempts from webhook_events where id in ${sql([...seen])}`;
  expect(events).toEqual(Array(seen.size).fill({ status: "processed", attempts: 1 }));
  const [notices] = await sql<
    { count: number }[]
  >`select count(*)::int as count from notifications where source_event_id in ${sql([...seen])}`;
  expect(notices.count).toBe(2);
});
