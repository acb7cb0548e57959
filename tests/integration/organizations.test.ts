import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELETE as revokeRoute } from "@/app/api/orgs/[id]/invitations/[invitationId]/route";
import { POST as inviteRoute } from "@/app/api/orgs/[id]/invitations/route";
import { DELETE as removeMemberRoute, PATCH as changeRoleRoute } from "@/app/api/orgs/[id]/members/[userId]/route";
import { GET as membersRoute } from "@/app/api/orgs/[id]/members/route";
import { DELETE as deleteOrgRoute, PATCH as renameRoute } from "@/app/api/orgs/[id]/route";
import { POST as acceptRoute } from "@/app/api/orgs/invitations/accept/route";
import { GET as listOrgsRoute, POST as createOrgRoute } from "@/app/api/orgs/route";
import { setAppDatabase } from "@/db/client";
import { accounts, auditLog, invitations, memberships, notifications, subscriptions, users, type User } from "@/db/schema";
import { hashToken } from "@/lib/auth/account-emails";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

type Params = Record<string, string>;
type Handler = (request: Request, context?: { params: Promise<Params> }) => Promise<Response>;
type Answer = { status: number; body: Record<string, unknown> & { error?: string } };

const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";
const tokenOf = (acceptUrl: string) => new URL(acceptUrl).searchParams.get("token") as string;

describe.each(DATABASE_KINDS)("organizations, members and invitations on %s", (kind) => {
  let database: TestDatabase;
  let counter = 0;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
    process.env.APP_URL = "http://app.test";
  });
  afterAll(() => database.destroy());

  async function makeUser(label: string, options: { verified?: boolean } = {}): Promise<User> {
    counter += 1;
    const [user] = await database.db
      .insert(users)
      .values({
        email: `${label}-${counter}-${kind}@example.com`,
        name: `${label} ${counter}`,
        emailVerifiedAt: options.verified === false ? null : new Date(),
      })
      .returning();
    return user;
  }

  async function call(
    handler: Handler,
    as: User | null,
    method: string,
    path: string,
    params: Params = {},
    body?: unknown,
  ): Promise<Answer> {
    const response = await handler(await requestAs(as?.id ?? null, path, { method, body }), { params: Promise.resolve(params) });
    return { status: response.status, body: (await response.json()) as Answer["body"] };
  }

  const createOrg = (as: User, name: unknown) => call(createOrgRoute, as, "POST", "/api/orgs", {}, { name });
  const rename = (as: User, id: string, name: unknown) => call(renameRoute, as, "PATCH", `/api/orgs/${id}`, { id }, { name });
  const deleteOrg = (as: User, id: string) => call(deleteOrgRoute, as, "DELETE", `/api/orgs/${id}`, { id });
  const listMembers = (as: User, id: string) => call(membersRoute, as, "GET", `/api/orgs/${id}/members`, { id });
  const changeRole = (as: User, id: string, userId: string, role: unknown) =>
    call(changeRoleRoute, as, "PATCH", `/api/orgs/${id}/members/${userId}`, { id, userId }, { role });
  const removeMember = (as: User, id: string, userId: string) =>
    call(removeMemberRoute, as, "DELETE", `/api/orgs/${id}/members/${userId}`, { id, userId });
  const invite = (as: User, id: string, email: unknown, role: unknown = "member") =>
    call(inviteRoute, as, "POST", `/api/orgs/${id}/invitations`, { id }, { email, role });
  const revoke = (as: User, id: string, invitationId: string) =>
    call(revokeRoute, as, "DELETE", `/api/orgs/${id}/invitations/${invitationId}`, { id, invitationId });
  const accept = (as: User, token: unknown) => call(acceptRoute, as, "POST", "/api/orgs/invitations/accept", {}, { token });

  async function newOrg(owner: User, name = "Acme"): Promise<string> {
    const created = await createOrg(owner, name);
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  /** Invites and accepts: `user` joins `orgId` as `role`. */
  async function join(owner: User, orgId: string, user: User, role: "owner" | "admin" | "member"): Promise<void> {
    const invited = await invite(owner, orgId, user.email, role);
    expect(invited.status).toBe(201);
    const accepted = await accept(user, tokenOf(invited.body.acceptUrl as string));
    expect(accepted.body).toEqual({ orgId, role });
  }

  const roles = async (orgId: string) =>
    Object.fromEntries(
      (
        await database.db
          .select({ userId: memberships.userId, role: memberships.role })
          .from(memberships)
          .where(eq(memberships.accountId, orgId))
      ).map((m) => [m.userId, m.role]),
    );
  const owners = async (orgId: string) => Object.values(await roles(orgId)).filter((r) => r === "owner").length;
  const auditActions = async (orgId: string) =>
    (
      await database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetType, "account"), eq(auditLog.targetId, orgId)))
        .orderBy(auditLog.id)
    ).map((row) => row.action);
  const accountName = async (orgId: string) =>
    (await database.db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, orgId)))[0]?.name;

  it("creates an organization whose creator is its owner, lists only organizations with the caller's role, and renames it", async () => {
    const owner = await makeUser("creator");
    const created = await createOrg(owner, "  Acme Corp  ");
    expect(created).toEqual({ status: 201, body: { id: expect.any(String), name: "Acme Corp", role: "owner" } });
    const orgId = created.body.id as string;
    const [account] = await database.db.select().from(accounts).where(eq(accounts.id, orgId));
    expect(account).toMatchObject({ kind: "organization", name: "Acme Corp", personalUserId: null });
    expect(await roles(orgId)).toEqual({ [owner.id]: "owner" });

    const member = await makeUser("lister");
    await join(owner, orgId, member, "member");
    // The personal account (also an owner membership) is not an organization and is not listed.
    expect((await call(listOrgsRoute, owner, "GET", "/api/orgs")).body).toEqual({
      orgs: [{ id: orgId, name: "Acme Corp", role: "owner" }],
    });
    expect((await call(listOrgsRoute, member, "GET", "/api/orgs")).body).toEqual({
      orgs: [{ id: orgId, name: "Acme Corp", role: "member" }],
    });

    expect(await rename(owner, orgId, " Acme Inc ")).toEqual({ status: 200, body: { id: orgId, name: "Acme Inc", role: "owner" } });
    expect(await accountName(orgId)).toBe("Acme Inc");
    const rows = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "account"), eq(auditLog.targetId, orgId)))
      .orderBy(auditLog.id);
    expect(rows.map((r) => [r.action, r.actorUserId])).toEqual([
      ["org.created", owner.id],
      ["invitation.created", owner.id],
      ["invitation.accepted", member.id],
      ["org.renamed", owner.id],
    ]);
    expect(rows[3].data).toEqual({ from: "Acme Corp", to: "Acme Inc" });
  });

  it("refuses bad ids and bodies with 400 naming the field, changing nothing", async () => {
    const owner = await makeUser("validator");
    const orgId = await newOrg(owner, "Valid");
    const before = (await database.db.select({ n: sql<number>`count(*)::int` }).from(accounts))[0].n;
    for (const name of ["", "   ", "x".repeat(81), "line\nbreak", 42, null]) {
      const answer = await createOrg(owner, name);
      expect(answer.status, JSON.stringify(name)).toBe(400);
      expect(answer.body).toMatchObject({ error: "bad_request", field: "name" });
    }
    expect((await call(createOrgRoute, owner, "POST", "/api/orgs", {}, { name: "Ok", extra: 1 })).status).toBe(400);
    expect((await createOrg(owner, "x".repeat(80))).status).toBe(201);
    expect((await rename(owner, orgId, "")).status).toBe(400);
    expect((await rename(owner, "not-a-uuid", "Fine")).body).toMatchObject({ error: "bad_request", field: "id" });
    expect((await changeRole(owner, orgId, owner.id, "boss")).body).toMatchObject({ error: "bad_request", field: "role" });
    expect((await changeRole(owner, orgId, "nope", "member")).body).toMatchObject({ error: "bad_request", field: "userId" });
    expect((await removeMember(owner, orgId, "nope")).body).toMatchObject({ error: "bad_request", field: "userId" });
    expect((await invite(owner, orgId, "not-an-email")).body).toMatchObject({ error: "bad_request", field: "email" });
    expect((await invite(owner, orgId, "a@example.com", "king")).body).toMatchObject({ error: "bad_request", field: "role" });
    expect((await revoke(owner, orgId, "nope")).body).toMatchObject({ error: "bad_request", field: "invitationId" });
    expect((await accept(owner, "short")).body).toMatchObject({ error: "bad_request", field: "token" });
    expect((await accept(owner, 12345)).body).toMatchObject({ error: "bad_request", field: "token" });
    expect((await call(createOrgRoute, null, "POST", "/api/orgs", {}, { name: "Anon" })).status).toBe(401);
    expect(await accountName(orgId)).toBe("Valid");
    expect(await roles(orgId)).toEqual({ [owner.id]: "owner" });
    expect((await database.db.select({ n: sql<number>`count(*)::int` }).from(accounts))[0].n).toBe(before + 1);
    expect(await database.db.select().from(invitations).where(eq(invitations.accountId, orgId))).toEqual([]);
  });

  it("answers 404 to a non-member on every organization route and 403 to a member lacking the rights, changing nothing", async () => {
    const owner = await makeUser("owner");
    const admin = await makeUser("admin");
    const member = await makeUser("member");
    const outsider = await makeUser("outsider");
    const orgId = await newOrg(owner, "Private");
    await join(owner, orgId, admin, "admin");
    await join(owner, orgId, member, "member");
    const pending = await invite(owner, orgId, "pending@example.com");
    const invitationId = pending.body.id as string;
    const auditBefore = await auditActions(orgId);

    const outsiderCalls: Array<[string, Promise<Answer>]> = [
      ["rename", rename(outsider, orgId, "Mine")],
      ["delete", deleteOrg(outsider, orgId)],
      ["members", listMembers(outsider, orgId)],
      ["change role", changeRole(outsider, orgId, member.id, "admin")],
      ["remove", removeMember(outsider, orgId, member.id)],
      ["leave", removeMember(outsider, orgId, outsider.id)],
      ["invite", invite(outsider, orgId, outsider.email, "owner")],
      ["revoke", revoke(outsider, orgId, invitationId)],
    ];
    for (const [what, answer] of outsiderCalls) expect(await answer, what).toMatchObject({ status: 404, body: { error: "not_found" } });
    // An organization that does not exist answers the same.
    expect(await listMembers(outsider, NO_SUCH_ID)).toMatchObject({ status: 404, body: { error: "not_found" } });

    const memberCalls: Array<[string, Promise<Answer>]> = [
      ["rename", rename(member, orgId, "Mine")],
      ["delete", deleteOrg(member, orgId)],
      ["change role", changeRole(member, orgId, member.id, "admin")],
      ["remove", removeMember(member, orgId, admin.id)],
      ["invite", invite(member, orgId, "friend@example.com")],
      ["revoke", revoke(member, orgId, invitationId)],
      // Admins manage members and billing, but only an owner deletes the organization or touches owners.
      ["admin deletes", deleteOrg(admin, orgId)],
      ["admin demotes the owner", changeRole(admin, orgId, owner.id, "member")],
      ["admin makes an owner", changeRole(admin, orgId, member.id, "owner")],
      ["admin removes the owner", removeMember(admin, orgId, owner.id)],
      ["admin invites an owner", invite(admin, orgId, "boss@example.com", "owner")],
    ];
    for (const [what, answer] of memberCalls) expect(await answer, what).toMatchObject({ status: 403, body: { error: "forbidden" } });

    expect(await accountName(orgId)).toBe("Private");
    expect(await roles(orgId)).toEqual({ [owner.id]: "owner", [admin.id]: "admin", [member.id]: "member" });
    expect(await auditActions(orgId)).toEqual(auditBefore);
    const [stillPending] = await database.db.select().from(invitations).where(eq(invitations.id, invitationId));
    expect(stillPending.revokedAt).toBeNull();
    expect(await database.db.select().from(invitations).where(eq(invitations.email, "friend@example.com"))).toEqual([]);
  });

  it("treats a personal account as no organization: 404 on every route, even for its owner", async () => {
    const user = await makeUser("personal");
    const personalId = user.id; // a personal account's id is its user's id
    expect((await database.db.select().from(accounts).where(eq(accounts.id, personalId)))[0].kind).toBe("personal");
    for (const [what, answer] of [
      ["rename", rename(user, personalId, "Renamed")],
      ["delete", deleteOrg(user, personalId)],
      ["members", listMembers(user, personalId)],
      ["leave", removeMember(user, personalId, user.id)],
      ["role", changeRole(user, personalId, user.id, "member")],
      ["invite", invite(user, personalId, "friend@example.com")],
    ] as const) {
      expect(await answer, what).toMatchObject({ status: 404, body: { error: "not_found" } });
    }
    expect(await roles(personalId)).toEqual({ [user.id]: "owner" });
    expect((await database.db.select().from(accounts).where(eq(accounts.id, personalId)))[0].kind).toBe("personal");
    expect(await database.db.select().from(invitations).where(eq(invitations.accountId, personalId))).toEqual([]);
  });

  it("invites by email: hashed single-use token, emailed link, listed for managers only, accepted once, idempotent on repeat", async () => {
    const owner = await makeUser("inviter");
    const invitee = await makeUser("invitee");
    const orgId = await newOrg(owner, "Mailers");
    const started = Date.now();
    const invited = await invite(owner, orgId, `  ${invitee.email.toUpperCase()} `, "admin");
    expect(invited.status).toBe(201);
    const { id, acceptUrl } = invited.body as { id: string; acceptUrl: string };
    expect(invited.body).toEqual({ id, email: invitee.email, role: "admin", expiresAt: expect.any(String), acceptUrl });
    expect(acceptUrl).toMatch(/^http:\/\/app\.test\/invitations\/accept\?token=[A-Za-z0-9_-]{40,}$/);
    const expiresIn = Date.parse(invited.body.expiresAt as string) - started;
    expect(expiresIn).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);

    const token = tokenOf(acceptUrl);
    const [row] = await database.db.select().from(invitations).where(eq(invitations.id, id));
    expect(row).toMatchObject({
      accountId: orgId,
      email: invitee.email,
      role: "admin",
      invitedBy: owner.id,
      tokenHash: hashToken(token),
      acceptedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(row)).not.toContain(token);

    const [mail] = await database.db
      .select()
      .from(notifications)
      .where(eq(notifications.sourceEventId, `invitation:${id}`));
    expect(mail).toMatchObject({ accountId: orgId, toEmail: invitee.email, kind: "organization_invitation", status: "outbox" });
    expect(mail.subject).toContain("Mailers");
    expect(mail.body).toContain(acceptUrl);
    expect(mail.body).toContain(owner.email);

    const pendingView = { id, email: invitee.email, role: "admin", expiresAt: invited.body.expiresAt };
    const asOwner = await listMembers(owner, orgId);
    expect(asOwner.body).toEqual({
      members: [{ userId: owner.id, email: owner.email, name: owner.name, role: "owner" }],
      invitations: [pendingView],
    });

    expect(await accept(invitee, token)).toEqual({ status: 200, body: { orgId, role: "admin" } });
    // A double submit: still 200, still one membership.
    expect(await accept(invitee, token)).toEqual({ status: 200, body: { orgId, role: "admin" } });
    const rows = await database.db
      .select()
      .from(memberships)
      .where(and(eq(memberships.accountId, orgId), eq(memberships.userId, invitee.id)));
    expect(rows).toHaveLength(1);
    const [used] = await database.db.select().from(invitations).where(eq(invitations.id, id));
    expect(used.acceptedBy).toBe(invitee.id);
    expect(used.acceptedAt).not.toBeNull();

    // Accepted: no longer pending. A plain member sees the members but no invitations.
    const member = await makeUser("plain");
    await join(owner, orgId, member, "member");
    const later = await invite(owner, orgId, "later@example.com");
    expect((await listMembers(owner, orgId)).body.invitations).toEqual([
      { id: later.body.id, email: "later@example.com", role: "member", expiresAt: later.body.expiresAt },
    ]);
    const asMember = await listMembers(member, orgId);
    expect(asMember.status).toBe(200);
    expect(asMember.body.invitations).toEqual([]);
    expect((asMember.body.members as Array<{ userId: string; role: string }>).map((m) => [m.userId, m.role])).toEqual([
      [owner.id, "owner"],
      [invitee.id, "admin"],
      [member.id, "member"],
    ]);
    // An address that is already a member is not invited again.
    expect(await invite(owner, orgId, member.email)).toMatchObject({ status: 409, body: { error: "conflict", field: "email" } });
  });

  it("accepting requires the invited address (403 invitation_email_mismatch) and a verified one (403 email_not_verified)", async () => {
    const owner = await makeUser("gatekeeper");
    const invitee = await makeUser("unverified", { verified: false });
    const someoneElse = await makeUser("interloper");
    const orgId = await newOrg(owner, "Gate");
    const token = tokenOf((await invite(owner, orgId, invitee.email)).body.acceptUrl as string);

    const mismatch = await accept(someoneElse, token);
    expect(mismatch).toMatchObject({ status: 403, body: { error: "invitation_email_mismatch" } });
    expect(mismatch.body.message).toContain(invitee.email);
    expect(await accept(invitee, token)).toMatchObject({ status: 403, body: { error: "email_not_verified" } });
    expect(await roles(orgId)).toEqual({ [owner.id]: "owner" });
    expect((await database.db.select().from(invitations).where(eq(invitations.accountId, orgId)))[0].acceptedAt).toBeNull();
    expect(await accept(owner, token)).toMatchObject({ status: 403, body: { error: "invitation_email_mismatch" } });

    await database.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, invitee.id));
    expect(await accept(invitee, token)).toEqual({ status: 200, body: { orgId, role: "member" } });
    expect(await roles(orgId)).toEqual({ [owner.id]: "owner", [invitee.id]: "member" });
  });

  it("an expired, revoked or used invitation is a 410, an unknown token a 404, and re-inviting an address replaces its pending invitation", async () => {
    const owner = await makeUser("host");
    const orgId = await newOrg(owner, "Gone");

    const late = await makeUser("late");
    const lateInvite = await invite(owner, orgId, late.email);
    await database.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.id, lateInvite.body.id as string));
    expect(await accept(late, tokenOf(lateInvite.body.acceptUrl as string))).toMatchObject({
      status: 410,
      body: { error: "invitation_not_usable" },
    });
    expect((await listMembers(owner, orgId)).body.invitations).toEqual([]); // expired: not pending

    const revokedUser = await makeUser("revoked");
    const revokedInvite = await invite(owner, orgId, revokedUser.email);
    expect(await revoke(owner, orgId, revokedInvite.body.id as string)).toEqual({
      status: 200,
      body: { revoked: true, id: revokedInvite.body.id },
    });
    expect(await revoke(owner, orgId, revokedInvite.body.id as string)).toMatchObject({ status: 200 }); // again: harmless
    expect(await accept(revokedUser, tokenOf(revokedInvite.body.acceptUrl as string))).toMatchObject({
      status: 410,
      body: { error: "invitation_not_usable" },
    });
    expect(await revoke(owner, orgId, NO_SUCH_ID)).toMatchObject({ status: 404, body: { error: "not_found" } });
    // Another organization's invitation is not this one's to revoke.
    const otherOrg = await newOrg(owner, "Other");
    expect(await revoke(owner, otherOrg, lateInvite.body.id as string)).toMatchObject({ status: 404, body: { error: "not_found" } });

    const reuser = await makeUser("reuser");
    const reuseInvite = await invite(owner, orgId, reuser.email);
    const reuseToken = tokenOf(reuseInvite.body.acceptUrl as string);
    expect((await accept(reuser, reuseToken)).status).toBe(200);
    expect(await revoke(owner, orgId, reuseInvite.body.id as string)).toMatchObject({
      status: 410,
      body: { error: "invitation_not_usable" },
    });
    expect(await removeMember(reuser, orgId, reuser.id)).toEqual({ status: 200, body: { removed: true, userId: reuser.id } });
    expect(await accept(reuser, reuseToken)).toMatchObject({ status: 410, body: { error: "invitation_not_usable" } });
    expect(await roles(orgId)).toEqual({ [owner.id]: "owner" });

    expect(await accept(reuser, "aUnknownTokenOfTheRightShape_0123456789")).toMatchObject({ status: 404, body: { error: "not_found" } });

    const twice = await makeUser("twice");
    const first = await invite(owner, orgId, twice.email, "member");
    const second = await invite(owner, orgId, twice.email, "admin");
    expect(second.body.id).not.toBe(first.body.id);
    expect((await listMembers(owner, orgId)).body.invitations).toEqual([
      { id: second.body.id, email: twice.email, role: "admin", expiresAt: second.body.expiresAt },
    ]);
    expect(await accept(twice, tokenOf(first.body.acceptUrl as string))).toMatchObject({
      status: 410,
      body: { error: "invitation_not_usable" },
    });
    expect(await accept(twice, tokenOf(second.body.acceptUrl as string))).toEqual({ status: 200, body: { orgId, role: "admin" } });
    expect(await auditActions(orgId)).toEqual([
      "org.created",
      "invitation.created",
      "invitation.created",
      "invitation.revoked",
      "invitation.created",
      "invitation.accepted",
      "member.left",
      "invitation.created",
      "invitation.created",
      "invitation.accepted",
    ]);
  });

  it("roles: only owners make or unmake owners, ownership is transferred, and the last owner can neither leave, be removed nor be demoted", async () => {
    const owner = await makeUser("founder");
    const admin = await makeUser("manager");
    const member = await makeUser("staff");
    const leaver = await makeUser("leaver");
    const orgId = await newOrg(owner, "Roles");
    await join(owner, orgId, admin, "admin");
    await join(owner, orgId, member, "member");
    await join(owner, orgId, leaver, "member");

    // Admins manage members and admins.
    expect(await changeRole(admin, orgId, member.id, "admin")).toEqual({
      status: 200,
      body: { userId: member.id, email: member.email, name: member.name, role: "admin" },
    });
    expect((await changeRole(admin, orgId, member.id, "member")).status).toBe(200);
    expect(await changeRole(admin, orgId, NO_SUCH_ID, "member")).toMatchObject({ status: 404, body: { error: "not_found" } });
    // A member may leave; nobody else can be removed twice.
    expect(await removeMember(leaver, orgId, leaver.id)).toEqual({ status: 200, body: { removed: true, userId: leaver.id } });
    expect(await removeMember(admin, orgId, leaver.id)).toMatchObject({ status: 404, body: { error: "not_found" } });

    // The only owner.
    expect(await changeRole(owner, orgId, owner.id, "admin")).toMatchObject({ status: 409, body: { error: "last_owner" } });
    expect(await removeMember(owner, orgId, owner.id)).toMatchObject({ status: 409, body: { error: "last_owner" } });
    expect(await changeRole(owner, orgId, owner.id, "owner")).toMatchObject({ status: 200, body: { role: "owner" } }); // no change

    // Transfer: make the admin an owner, then step down.
    expect((await changeRole(owner, orgId, admin.id, "owner")).status).toBe(200);
    expect((await changeRole(owner, orgId, owner.id, "member")).status).toBe(200);
    expect(await roles(orgId)).toEqual({ [owner.id]: "member", [admin.id]: "owner", [member.id]: "member" });
    // The former owner is a member now: no more rights.
    expect(await changeRole(owner, orgId, owner.id, "owner")).toMatchObject({ status: 403, body: { error: "forbidden" } });
    // The new owner is the last one.
    expect(await removeMember(admin, orgId, admin.id)).toMatchObject({ status: 409, body: { error: "last_owner" } });
    expect(await changeRole(admin, orgId, admin.id, "member")).toMatchObject({ status: 409, body: { error: "last_owner" } });
    // An owner removes a member.
    expect((await removeMember(admin, orgId, member.id)).status).toBe(200);
    expect(await roles(orgId)).toEqual({ [owner.id]: "member", [admin.id]: "owner" });

    const changes = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "account"), eq(auditLog.targetId, orgId), sql`${auditLog.action} like 'member.%'`))
      .orderBy(auditLog.id);
    expect(changes.map((row) => [row.action, row.actorUserId, row.data])).toEqual([
      ["member.role_changed", admin.id, { userId: member.id, from: "member", to: "admin" }],
      ["member.role_changed", admin.id, { userId: member.id, from: "admin", to: "member" }],
      ["member.left", leaver.id, { userId: leaver.id, role: "member" }],
      ["member.role_changed", owner.id, { userId: admin.id, from: "admin", to: "owner" }],
      ["member.role_changed", owner.id, { userId: owner.id, from: "owner", to: "member" }],
      ["member.removed", admin.id, { userId: member.id, role: "member" }],
    ]);
  });

  it("two owners demoting or removing each other at the same moment leave exactly one owner", async () => {
    // Whoever comes second finds the first change done: the last owner (409), no longer an owner
    // (403: only owners change owners) or no longer a member (404). Never both succeed.
    const races: Array<[string, (a: User, b: User, orgId: string) => Array<Promise<Answer>>, string]> = [
      ["demote each other", (a, b, orgId) => [changeRole(a, orgId, b.id, "admin"), changeRole(b, orgId, a.id, "admin")], "forbidden"],
      ["both step down", (a, b, orgId) => [changeRole(a, orgId, a.id, "member"), changeRole(b, orgId, b.id, "member")], "last_owner"],
      ["both leave", (a, b, orgId) => [removeMember(a, orgId, a.id), removeMember(b, orgId, b.id)], "last_owner"],
      ["remove each other", (a, b, orgId) => [removeMember(a, orgId, b.id), removeMember(b, orgId, a.id)], "not_found"],
    ];
    for (let round = 0; round < 3; round += 1) {
      for (const [what, race, refusal] of races) {
        const a = await makeUser("first");
        const b = await makeUser("second");
        const orgId = await newOrg(a, `Race ${round}`);
        await join(a, orgId, b, "owner");
        const answers = await Promise.all(race(a, b, orgId));
        expect(
          answers.filter((x) => x.status === 200),
          what,
        ).toHaveLength(1);
        expect(answers.find((x) => x.status !== 200)?.body.error, what).toBe(refusal);
        expect(await owners(orgId), what).toBe(1);
      }
    }
  });

  it("deletes an organization (owner only) with its memberships and invitations, refused with 409 while a paid subscription is alive", async () => {
    const owner = await makeUser("deleter");
    const member = await makeUser("bystander");
    const orgId = await newOrg(owner, "Doomed");
    await join(owner, orgId, member, "member");
    await invite(owner, orgId, "pending-delete@example.com");
    const subscription = { accountId: orgId, planId: "pro", providerSubscriptionId: `sub_org_delete_${kind}` };
    const [row] = await database.db
      .insert(subscriptions)
      .values({ ...subscription, status: "active" })
      .returning();
    for (const status of ["trialing", "active", "past_due", "unpaid", "paused", "incomplete"]) {
      await database.db.update(subscriptions).set({ status }).where(eq(subscriptions.id, row.id));
      expect(await deleteOrg(owner, orgId), status).toMatchObject({ status: 409, body: { error: "subscription_exists" } });
    }
    expect(await accountName(orgId)).toBe("Doomed");
    expect(await roles(orgId)).toEqual({ [owner.id]: "owner", [member.id]: "member" });

    // Ended (canceled) subscriptions and a Staff grant (never billed) do not hold it back.
    await database.db.update(subscriptions).set({ status: "canceled", endedAt: new Date() }).where(eq(subscriptions.id, row.id));
    await database.db
      .insert(subscriptions)
      .values({ accountId: orgId, planId: "staff", provider: "admin", providerSubscriptionId: `staff_${orgId}`, status: "active" });
    expect(await deleteOrg(member, orgId)).toMatchObject({ status: 403, body: { error: "forbidden" } });
    expect(await deleteOrg(owner, orgId)).toEqual({ status: 200, body: { deleted: true, id: orgId } });
    expect(await database.db.select().from(accounts).where(eq(accounts.id, orgId))).toEqual([]);
    expect(await database.db.select().from(memberships).where(eq(memberships.accountId, orgId))).toEqual([]);
    expect(await database.db.select().from(invitations).where(eq(invitations.accountId, orgId))).toEqual([]);
    expect(await database.db.select().from(subscriptions).where(eq(subscriptions.accountId, orgId))).toEqual([]);
    expect((await auditActions(orgId)).at(-1)).toBe("org.deleted");
    // Gone: a 404 for its former members too; their personal accounts are untouched.
    expect(await listMembers(owner, orgId)).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect((await call(listOrgsRoute, member, "GET", "/api/orgs")).body).toEqual({ orgs: [] });
    expect(await roles(member.id)).toEqual({ [member.id]: "owner" });
  });
});
