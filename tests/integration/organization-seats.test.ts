import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as inviteRoute } from "@/app/api/orgs/[id]/invitations/route";
import { DELETE as removeMemberRoute } from "@/app/api/orgs/[id]/members/[userId]/route";
import { POST as acceptRoute } from "@/app/api/orgs/invitations/accept/route";
import { POST as createOrgRoute } from "@/app/api/orgs/route";
import { setAppDatabase } from "@/db/client";
import { invitations, memberships, users, type User } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

/**
 * How organization changes call the seats interface (lib/billing/seats.ts, which talks to Stripe):
 * the seat check before an invitation and before joining, and the seat sync after a membership
 * was added or removed and committed. The interface is replaced here so that its refusal and its
 * failure (Stripe down) can be produced on demand; its own behaviour is tested with it.
 */
const seats = vi.hoisted(() => ({
  assertSeatAvailable: vi.fn<(db: unknown, accountId: string, adding?: number) => Promise<void>>(),
  pushSeats: vi.fn<(accountId: string) => Promise<null>>(),
  membersAtSync: [] as number[],
}));
vi.mock("@/lib/billing/seats", () => ({ assertSeatAvailable: seats.assertSeatAvailable, pushSeats: seats.pushSeats }));

describe.each(DATABASE_KINDS)("organization seats on %s", (kind) => {
  let database: TestDatabase;
  let counter = 0;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
  });
  afterAll(() => database.destroy());
  beforeEach(() => {
    seats.assertSeatAvailable.mockReset().mockResolvedValue(undefined);
    seats.membersAtSync.length = 0;
    // Records how many members a sync sees: it must run after the change committed.
    seats.pushSeats.mockReset().mockImplementation(async (accountId) => {
      seats.membersAtSync.push((await database.db.select().from(memberships).where(eq(memberships.accountId, accountId))).length);
      return null;
    });
  });

  async function makeUser(): Promise<User> {
    counter += 1;
    const [user] = await database.db
      .insert(users)
      .values({ email: `seat-${counter}-${kind}@example.com`, emailVerifiedAt: new Date() })
      .returning();
    return user;
  }
  const post = async (handler: typeof inviteRoute, as: User, path: string, params: Record<string, string>, body: unknown) => {
    const response = await handler(await requestAs(as.id, path, { method: "POST", body }), { params: Promise.resolve(params) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  async function setUp() {
    const owner = await makeUser();
    const invitee = await makeUser();
    const orgId = (await post(createOrgRoute, owner, "/api/orgs", {}, { name: "Seats" })).body.id as string;
    return { owner, invitee, orgId };
  }
  const seatLimit = () => new AppError("seat_limit_reached", "Your plan allows at most 5 seats.", { maximum: 5 });

  it("asks for a seat before inviting and before joining; a full plan refuses both with 409 and changes nothing", async () => {
    const { owner, invitee, orgId } = await setUp();
    seats.assertSeatAvailable.mockRejectedValueOnce(seatLimit());
    const refused = await post(
      inviteRoute,
      owner,
      `/api/orgs/${orgId}/invitations`,
      { id: orgId },
      { email: invitee.email, role: "member" },
    );
    expect(refused).toMatchObject({ status: 409, body: { error: "seat_limit_reached", maximum: 5 } });
    expect(seats.assertSeatAvailable).toHaveBeenLastCalledWith(expect.anything(), orgId, 1);
    expect(await database.db.select().from(invitations).where(eq(invitations.accountId, orgId))).toEqual([]);

    const invited = await post(
      inviteRoute,
      owner,
      `/api/orgs/${orgId}/invitations`,
      { id: orgId },
      { email: invitee.email, role: "member" },
    );
    expect(invited.status).toBe(201);
    const token = new URL(invited.body.acceptUrl as string).searchParams.get("token");
    seats.assertSeatAvailable.mockRejectedValueOnce(seatLimit());
    expect(await post(acceptRoute, invitee, "/api/orgs/invitations/accept", {}, { token })).toMatchObject({
      status: 409,
      body: { error: "seat_limit_reached" },
    });
    expect(seats.assertSeatAvailable).toHaveBeenLastCalledWith(expect.anything(), orgId, 1);
    expect((await database.db.select().from(memberships).where(eq(memberships.accountId, orgId))).length).toBe(1);
    expect((await database.db.select().from(invitations).where(eq(invitations.accountId, orgId)))[0].acceptedAt).toBeNull();
    expect(seats.pushSeats).not.toHaveBeenCalled();
    // A seat frees up: the same link works.
    expect(await post(acceptRoute, invitee, "/api/orgs/invitations/accept", {}, { token })).toEqual({
      status: 200,
      body: { orgId, role: "member" },
    });
    expect(seats.pushSeats).toHaveBeenCalledWith(orgId);
    expect(seats.membersAtSync).toEqual([2]);
  });

  it("syncs the seats after a member joins and after one leaves, and a failing sync does not fail the change", async () => {
    const { owner, invitee, orgId } = await setUp();
    const invited = await post(
      inviteRoute,
      owner,
      `/api/orgs/${orgId}/invitations`,
      { id: orgId },
      { email: invitee.email, role: "member" },
    );
    seats.pushSeats.mockRejectedValueOnce(new Error("Stripe is down"));
    const token = new URL(invited.body.acceptUrl as string).searchParams.get("token");
    expect(await post(acceptRoute, invitee, "/api/orgs/invitations/accept", {}, { token })).toEqual({
      status: 200,
      body: { orgId, role: "member" },
    });
    expect(seats.pushSeats).toHaveBeenCalledTimes(1);
    expect((await database.db.select().from(memberships).where(eq(memberships.accountId, orgId))).length).toBe(2);

    const removed = await removeMemberRoute(await requestAs(owner.id, `/api/orgs/${orgId}/members/${invitee.id}`, { method: "DELETE" }), {
      params: Promise.resolve({ id: orgId, userId: invitee.id }),
    });
    expect(removed.status).toBe(200);
    expect(seats.pushSeats).toHaveBeenCalledTimes(2);
    expect(seats.membersAtSync).toEqual([1]);
  });
});
