import type { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as accountRoute } from "@/app/api/account/route";
import { GET as auditRoute } from "@/app/api/billing/admin/audit/route";
import { GET as adminInvoicesRoute } from "@/app/api/billing/admin/invoices/route";
import { GET as adminUsersRoute } from "@/app/api/billing/admin/users/route";
import { GET as adminWebhooksRoute } from "@/app/api/billing/admin/webhooks/route";
import { DELETE as revokeKeyRoute } from "@/app/api/billing/api-keys/[id]/route";
import { POST as createKeyRoute } from "@/app/api/billing/api-keys/route";
import { GET as invoicesRoute } from "@/app/api/billing/invoices/route";
import { GET as usageHistoryRoute, POST as usageRoute } from "@/app/api/billing/usage/route";
import { POST as demoJobsRoute } from "@/app/api/demo/jobs/route";
import { POST as internalSyncRoute } from "@/app/api/internal/subscription/sync/route";
import { users, type User } from "@/db/schema";
import { adminCustomers, adminInvoices, adminOperations, adminWebhookEvents } from "@/lib/billing/admin/console";
import { customerListQuery } from "@/lib/billing/admin/customers";
import { adminInvoiceQuery } from "@/lib/billing/admin/invoices";
import { auditListQuery } from "@/lib/billing/admin/operations";
import { webhookListQuery } from "@/lib/billing/admin/webhooks";
import { readWithSearchParams } from "@/lib/http/query";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

/**
 * Valid JSON (or a query string) that Postgres cannot take — a NUL, an unpaired surrogate, a huge
 * Idempotency-Key, 36 dashes as a uuid, a date past year 9999, a malformed cursor — over the real
 * routes: each a 400 naming the field (a path id that cannot exist: 404), never a 500.
 */
type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

const NUL = "a\u0000b";
const LONE = "a\ud800b";
const DASHES = "-".repeat(36);
const cursorOf = (values: unknown) => Buffer.from(JSON.stringify(values)).toString("base64url");
const FAR_FUTURE = "+275760-09-13T00:00:00.000Z"; // the last date JavaScript has
const A_UUID = "0b6f5a6e-8d0a-4d5e-9a3b-2c1d0e9f8a7b";
const INTERNAL_KEY = "input-rules-internal-key";

interface Case {
  name: string;
  handler: Handler;
  as: "user" | "admin" | null;
  path: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  status: number;
  field?: string;
}

describe.each(DATABASE_KINDS)("inputs Postgres cannot store, on %s", (kind) => {
  let env: BillingEnv;
  let user: User;
  let admin: User;

  beforeAll(async () => {
    process.env.NEXTAUTH_SECRET = "input-rules-test-secret";
    process.env.INTERNAL_API_KEY = INTERNAL_KEY;
    env = await startBillingEnv(kind);
    user = await env.createUser();
    [admin] = await env.database.db
      .insert(users)
      .values({ email: `input-admin-${kind}@example.com`, role: "admin", emailVerifiedAt: new Date() })
      .returning();
  });
  afterAll(() => env.stop());

  const usage = (event: Record<string, unknown>) => ({ meter: "api_calls", quantity: 1, idempotencyKey: `k-${Math.random()}`, ...event });
  const cases: Case[] = [
    {
      name: "usage idempotencyKey with a NUL",
      handler: usageRoute as Handler,
      as: "user",
      path: "/api/billing/usage",
      method: "POST",
      body: usage({ idempotencyKey: NUL }),
      status: 400,
      field: "idempotencyKey",
    },
    {
      name: "usage idempotencyKey with a lone surrogate",
      handler: usageRoute as Handler,
      as: "user",
      path: "/api/billing/usage",
      method: "POST",
      body: usage({ idempotencyKey: LONE }),
      status: 400,
      field: "idempotencyKey",
    },
    {
      name: "usage metadata value with a NUL",
      handler: usageRoute as Handler,
      as: "user",
      path: "/api/billing/usage",
      method: "POST",
      body: usage({ metadata: { a: NUL } }),
      status: 400,
      field: "metadata.a",
    },
    {
      name: "usage metadata key with a lone surrogate",
      handler: usageRoute as Handler,
      as: "user",
      path: "/api/billing/usage",
      method: "POST",
      body: usage({ metadata: { [LONE]: "x" } }),
      status: 400,
      field: `metadata.${LONE}`,
    },
    {
      name: "batch event with a NUL",
      handler: usageRoute as Handler,
      as: "user",
      path: "/api/billing/usage",
      method: "POST",
      body: { events: [usage({}), usage({ idempotencyKey: NUL })] },
      status: 400,
      field: "events.1.idempotencyKey",
    },
    {
      name: "usage history from past year 9999",
      handler: usageHistoryRoute as Handler,
      as: "user",
      path: "/api/billing/usage?meter=api_calls&from=9999-12-31&to=9999-12-31T12:00:00Z",
      status: 400,
      field: "from",
    },
    {
      name: "usage history with a NUL",
      handler: usageHistoryRoute as Handler,
      as: "user",
      path: "/api/billing/usage?meter=api_calls%00",
      status: 400,
      field: "meter",
    },
    {
      name: "API key name with a NUL",
      handler: createKeyRoute as Handler,
      as: "user",
      path: "/api/billing/api-keys",
      method: "POST",
      body: { name: NUL },
      status: 400,
      field: "name",
    },
    {
      name: "API key expiring after year 9999",
      handler: createKeyRoute as Handler,
      as: "user",
      path: "/api/billing/api-keys",
      method: "POST",
      body: { name: "k", expiresAt: "9999-12-31T23:59:59Z" },
      status: 400,
      field: "expiresAt",
    },
    {
      name: "API key id of 36 dashes",
      handler: revokeKeyRoute as Handler,
      as: "user",
      path: `/api/billing/api-keys/${DASHES}`,
      method: "DELETE",
      params: { id: DASHES },
      status: 404,
    },
    {
      name: "sign-up name with a lone surrogate",
      handler: accountRoute as Handler,
      as: null,
      path: "/api/account",
      method: "POST",
      body: { email: "odd-name@example.com", password: "a long enough passphrase 42", name: LONE },
      status: 400,
      field: "name",
    },
    {
      name: "demo job Idempotency-Key of 3,000 characters",
      handler: demoJobsRoute as Handler,
      as: "user",
      path: "/api/demo/jobs",
      method: "POST",
      headers: { "idempotency-key": "k".repeat(3000) },
      status: 400,
      field: "Idempotency-Key",
    },
    {
      name: "invoice cursor dated past year 9999",
      handler: invoicesRoute as Handler,
      as: "user",
      path: `/api/billing/invoices?cursor=${cursorOf([FAR_FUTURE, "INV-0001", A_UUID])}`,
      status: 400,
      field: "cursor",
    },
    {
      name: "internal sync externalId with a NUL",
      handler: internalSyncRoute as Handler,
      as: null,
      path: "/api/internal/subscription/sync",
      method: "POST",
      headers: { "x-internal-api-key": INTERNAL_KEY },
      body: { userId: A_UUID, plan: "pro", status: "active", provider: "paddle", externalId: NUL },
      status: 400,
      field: "externalId",
    },
    {
      name: "internal sync period end past year 9999",
      handler: internalSyncRoute as Handler,
      as: null,
      path: "/api/internal/subscription/sync",
      method: "POST",
      headers: { "x-internal-api-key": INTERNAL_KEY },
      body: {
        userId: A_UUID,
        plan: "pro",
        status: "active",
        provider: "paddle",
        externalId: "x",
        currentPeriodEnd: "9999-12-31T00:00:00Z",
      },
      status: 400,
      field: "currentPeriodEnd",
    },
    {
      name: "admin customers cursor=!!!",
      handler: adminUsersRoute as Handler,
      as: "admin",
      path: "/api/billing/admin/users?cursor=!!!",
      status: 400,
      field: "cursor",
    },
    {
      name: "admin customers search=%00",
      handler: adminUsersRoute as Handler,
      as: "admin",
      path: "/api/billing/admin/users?search=%00",
      status: 400,
      field: "search",
    },
    {
      name: "admin customers cursor with a 36-dash id",
      handler: adminUsersRoute as Handler,
      as: "admin",
      path: `/api/billing/admin/users?cursor=${cursorOf(["2024-01-01T00:00:00.000Z", DASHES])}`,
      status: 400,
      field: "cursor",
    },
    {
      name: "admin customers cursor dated past year 9999",
      handler: adminUsersRoute as Handler,
      as: "admin",
      path: `/api/billing/admin/users?cursor=${cursorOf([FAR_FUTURE, A_UUID])}`,
      status: 400,
      field: "cursor",
    },
    {
      name: "admin customers MRR cursor that is not a number",
      handler: adminUsersRoute as Handler,
      as: "admin",
      path: `/api/billing/admin/users?sort=mrr&cursor=${cursorOf(["lots", A_UUID])}`,
      status: 400,
      field: "cursor",
    },
    {
      name: "admin invoices to=9999-12-31",
      handler: adminInvoicesRoute as Handler,
      as: "admin",
      path: "/api/billing/admin/invoices?to=9999-12-31",
      status: 400,
      field: "to",
    },
    {
      name: "admin invoices cursor with a non-uuid id",
      handler: adminInvoicesRoute as Handler,
      as: "admin",
      path: `/api/billing/admin/invoices?cursor=${cursorOf(["2024-01-01T00:00:00.000Z", "not-a-uuid"])}`,
      status: 400,
      field: "cursor",
    },
    {
      name: "admin webhooks cursor with a NUL",
      handler: adminWebhooksRoute as Handler,
      as: "admin",
      path: `/api/billing/admin/webhooks?cursor=${cursorOf(["2024-01-01T00:00:00.000Z", NUL])}`,
      status: 400,
      field: "cursor",
    },
    {
      name: "admin webhooks type=%00",
      handler: adminWebhooksRoute as Handler,
      as: "admin",
      path: "/api/billing/admin/webhooks?type=%00",
      status: 400,
      field: "type",
    },
    {
      name: "admin audit cursor that is not a number",
      handler: auditRoute as Handler,
      as: "admin",
      path: `/api/billing/admin/audit?cursor=${cursorOf(["abc"])}`,
      status: 400,
      field: "cursor",
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const as = c.as === "user" ? user.id : c.as === "admin" ? admin.id : null;
    const request = await requestAs(as, c.path, { method: c.method, body: c.body, headers: c.headers });
    const response = await c.handler(request, { params: Promise.resolve(c.params ?? {}) });
    const body = (await response.json()) as { error?: string; field?: string; message?: string };
    expect({ status: response.status, field: body.field }, JSON.stringify(body)).toEqual({ status: c.status, field: c.field });
  });

  it("admin list pages show a malformed cursor or filter as their error state, not a 500", async () => {
    const pages = [
      { read: () => readWithSearchParams({ cursor: "!!!" }, customerListQuery, adminCustomers) },
      { read: () => readWithSearchParams({ search: "\u0000" }, customerListQuery, adminCustomers) },
      { read: () => readWithSearchParams({ cursor: cursorOf([FAR_FUTURE, A_UUID]) }, customerListQuery, adminCustomers) },
      { read: () => readWithSearchParams({ to: "9999-12-31" }, adminInvoiceQuery, adminInvoices) },
      { read: () => readWithSearchParams({ cursor: "!!!" }, adminInvoiceQuery, adminInvoices) },
      { read: () => readWithSearchParams({ cursor: cursorOf(["2024-01-01T00:00:00.000Z", "x"]) }, adminInvoiceQuery, adminInvoices) },
      { read: () => readWithSearchParams({ cursor: "!!!" }, webhookListQuery, adminWebhookEvents) },
      { read: () => readWithSearchParams({ cursor: cursorOf([FAR_FUTURE, "evt_1"]) }, webhookListQuery, adminWebhookEvents) },
      { read: () => readWithSearchParams({ cursor: cursorOf(["abc"]) }, auditListQuery, adminOperations) },
      { read: () => readWithSearchParams({ targetId: "\u0000" }, auditListQuery, adminOperations) },
    ];
    for (const [index, page] of pages.entries()) {
      const outcome = await page.read();
      expect(outcome, String(index)).toMatchObject({ ok: false, message: expect.stringMatching(/^(cursor|search|to|targetId): /) });
    }
    // A valid query still reads.
    expect(await readWithSearchParams({}, adminInvoiceQuery, adminInvoices)).toMatchObject({ ok: true });
  });
});
