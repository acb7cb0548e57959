import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { GET as meRoute } from "@/app/api/me/route";
import { accounts, apiKeys, invitations, memberships, users, type MembershipRole } from "@/db/schema";
import { getAccountContext } from "@/lib/accounts/current";
import { previewInvitation } from "@/lib/accounts/invitation-preview";
import { hashToken, newLinkToken } from "@/lib/auth/account-emails";
import { ACCOUNT_COOKIE } from "@/lib/accounts/selection";
import { createApiKey } from "@/lib/auth/api-keys";
import { getBillingOverview } from "@/lib/billing/overview";
import { DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";
import { requestAs } from "../helpers/session";

/**
 * The selected account (the header's switcher, the `account` cookie) and the billing page's one
 * read: the cookie is only a preference, re-checked against the memberships on every read.
 */
describe.each(DATABASE_KINDS)("selected account and billing overview on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
  });
  afterAll(() => env.stop());

  const userRow = async (id: string) => (await env.db.select().from(users).where(eq(users.id, id)))[0];
  async function org(name: string, members: Array<[string, MembershipRole]>): Promise<string> {
    const [row] = await env.db.insert(accounts).values({ kind: "organization", name }).returning();
    for (const [userId, role] of members) await env.db.insert(memberships).values({ accountId: row.id, userId, role });
    return row.id;
  }

  it("lists the personal account first, then the organizations by name; no or a bad cookie means the personal account", async () => {
    const owner = await userRow(await env.createUser());
    const stranger = await env.createUser();
    const zeta = await org("Zeta Works", [[owner.id, "member"]]);
    const acme = await org("Acme Inc", [[owner.id, "admin"]]);
    const foreign = await org("Not Yours", [[stranger, "owner"]]);

    const none = await getAccountContext(owner, undefined);
    expect(none.accounts.map((a) => [a.name, a.kind, a.role, a.canManage])).toEqual([
      [owner.email, "personal", "owner", true],
      ["Acme Inc", "organization", "admin", true],
      ["Zeta Works", "organization", "member", false],
    ]);
    expect(none.current).toEqual({ id: owner.id, kind: "personal", name: owner.email, role: "owner", canManage: true });

    expect((await getAccountContext(owner, zeta)).current).toMatchObject({
      id: zeta,
      name: "Zeta Works",
      role: "member",
      canManage: false,
    });
    expect((await getAccountContext(owner, acme.toUpperCase())).current).toMatchObject({ id: acme, role: "admin" });
    // Another user's organization, a malformed id, an account that does not exist: the personal account.
    for (const selected of [foreign, "not-a-uuid", "'; drop table accounts; --", "00000000-0000-4000-8000-000000000000", stranger]) {
      expect((await getAccountContext(owner, selected)).current.id, selected).toBe(owner.id);
    }
    // Stale: after leaving, the organization's id in the cookie selects nothing.
    await env.db.delete(memberships).where(and(eq(memberships.accountId, zeta), eq(memberships.userId, owner.id)));
    const after = await getAccountContext(owner, zeta);
    expect(after.current.id).toBe(owner.id);
    expect(after.accounts.map((a) => a.id)).toEqual([owner.id, acme]);
  });

  it("GET /api/me answers the accounts with the cookie's account as the current one, re-checked on the server", async () => {
    const user = await env.createUser();
    const stranger = await env.createUser();
    const team = await org("Team One", [[user, "member"]]);
    const foreign = await org("Foreign", [[stranger, "owner"]]);
    const me = async (selected: string | null) => {
      const signedIn = await requestAs(user, "/api/me");
      const headers = new Headers(signedIn.headers);
      if (selected !== null) headers.set("cookie", `${headers.get("cookie")}; ${ACCOUNT_COOKIE}=${encodeURIComponent(selected)}`);
      const res = await meRoute(new NextRequest(signedIn.url, { headers }));
      expect(res.status).toBe(200);
      return (await res.json()) as {
        user: { id: string };
        accounts: { current: { id: string; role: string }; accounts: Array<{ id: string }> };
      };
    };
    expect((await me(null)).accounts.current.id).toBe(user);
    expect((await me(team)).accounts.current).toMatchObject({ id: team, role: "member", kind: "organization", name: "Team One" });
    expect((await me(foreign)).accounts.current.id).toBe(user);
    expect((await me(team)).accounts.accounts.map((a) => a.id)).toEqual([user, team]);
  });

  it("the billing overview gives a member plan and usage but no customer, invoices or API keys; owners and admins get them", async () => {
    const owner = await env.createUser();
    const member = await env.createUser();
    const team = await org("Billed Team", [
      [owner, "owner"],
      [member, "member"],
    ]);
    await env.subscribe(team, { planId: "pro" });
    await createApiKey(team, owner, { name: "backend", expiresAt: null });
    expect(await env.db.select().from(apiKeys).where(eq(apiKeys.accountId, team))).toHaveLength(1);

    const asMember = await getBillingOverview(team, "member", { invoicePageSize: 10 });
    expect(asMember.summary.plan.id).toBe("pro");
    expect(asMember.usage.meters.map((m) => m.id)).toContain("jobs");
    expect(asMember).toMatchObject({
      canManage: false,
      hasBillingAccount: false,
      invoices: null,
      apiKeys: null,
      live: { planId: "pro", interval: "month" },
    });

    for (const role of ["owner", "admin"] as const) {
      const managing = await getBillingOverview(team, role, { invoicePageSize: 10 });
      expect(managing.canManage).toBe(true);
      expect(managing.apiKeys?.map((k) => k.name)).toEqual(["backend"]);
      expect(managing.invoices).toEqual({ invoices: [], nextCursor: null });
    }
    // The member's own personal account is untouched by the organization's plan.
    expect((await getBillingOverview(member, "owner", { invoicePageSize: 10 })).summary.plan.id).toBe("free");
  });

  it("the invitation page's preview names the organization and role, and says when the link is used, revoked, expired or unknown", async () => {
    const owner = await env.createUser();
    const invitee = await env.createUser();
    const team = await org("Invite Co", [[owner, "owner"]]);
    const invite = async (values: Partial<typeof invitations.$inferInsert> = {}) => {
      const token = newLinkToken();
      await env.db.insert(invitations).values({
        accountId: team,
        email: "someone@example.com",
        role: "admin",
        tokenHash: hashToken(token),
        invitedBy: owner,
        expiresAt: new Date(Date.now() + 86_400_000),
        ...values,
      });
      return token;
    };
    const open = await invite();
    expect(await previewInvitation(open, null)).toEqual({ state: "open", orgName: "Invite Co", role: "admin", alreadyMember: false });
    expect(await previewInvitation(open, invitee)).toMatchObject({ state: "open", alreadyMember: false });
    expect(await previewInvitation(open, owner)).toMatchObject({ state: "open", alreadyMember: true });
    expect((await previewInvitation(await invite({ acceptedAt: new Date(), acceptedBy: invitee }), null)).state).toBe("accepted");
    expect((await previewInvitation(await invite({ revokedAt: new Date() }), null)).state).toBe("revoked");
    expect((await previewInvitation(await invite({ expiresAt: new Date(Date.now() - 1000) }), null)).state).toBe("expired");
    for (const token of [newLinkToken(), "short", "", "x".repeat(500), "not a token at all !!"]) {
      expect(await previewInvitation(token, invitee), token).toEqual({ state: "not_found" });
    }
  });
});
