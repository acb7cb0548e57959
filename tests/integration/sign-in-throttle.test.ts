import { NextRequest } from "next/server";
import { afterEach, afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppDatabase } from "@/db/client";
import { authOptions } from "@/lib/auth/options";
import { prepareAuthRequest } from "@/lib/auth/sign-in-request";
import { createUser } from "@/lib/auth/users";
import { isAppError } from "@/lib/errors";
import { POOLED_DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";

const PASSWORD = "correct horse 9";
const WRONG = "wrong horse 99";

/** A fresh set of limiter objects, as another app instance would have. */
const otherInstance = () => ((globalThis as { __rateLimiters?: unknown }).__rateLimiters = undefined);

/**
 * One password sign-in as `POST /api/auth/callback/credentials` runs it: the request is prepared
 * (throttle checks, 429 when refused), then next-auth's credentials provider checks the password.
 */
async function signInFrom(ip: string, email: string, password: string): Promise<"signed-in" | "wrong" | "throttled"> {
  const body = new URLSearchParams({ csrfToken: "t", email, password, json: "true", callbackUrl: "/billing" }).toString();
  const request = new NextRequest("http://localhost:3000/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": `${ip}, 10.0.0.1` },
    body,
  });
  try {
    await prepareAuthRequest(request, body);
  } catch (error) {
    if (!isAppError(error, "rate_limited")) throw error;
    expect(error.details.retryAfterSeconds).toBeGreaterThan(0);
    return "throttled";
  }
  const provider = authOptions({ clientIp: ip }).providers[0] as unknown as { options: { authorize(c: unknown): Promise<unknown> } };
  return (await provider.options.authorize({ email, password })) ? "signed-in" : "wrong";
}

describe.each(POOLED_DATABASE_KINDS)("password sign-in throttling on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
  });
  afterAll(() => database.destroy());
  afterEach(() => {
    process.env.RATE_LIMITS = "off";
    delete process.env.RATE_LIMIT_STORE;
    otherInstance();
  });

  for (const store of ["memory", "postgres"] as const) {
    const setUp = async (name: string) => {
      process.env.RATE_LIMITS = "on";
      process.env.RATE_LIMIT_STORE = store;
      otherInstance();
      const email = `${name}-${store}-${Date.now()}@example.com`;
      await createUser({ email, password: PASSWORD });
      return email;
    };

    it(`(${store} store) 12 wrong passwords from one IP throttle that IP, and the owner still signs in from another`, async () => {
      const email = await setUp("victim");
      const attacker = [];
      for (let i = 0; i < 12; i += 1) attacker.push(await signInFrom("203.0.113.66", email, WRONG));
      // Five wrong passwords are checked; after that the attacker's IP is refused without a check.
      expect(attacker).toEqual([...Array(5).fill("wrong"), ...Array(7).fill("throttled")]);
      // Even the right password is not checked from the throttled IP (it would tell a guesser it was right)…
      expect(await signInFrom("203.0.113.66", email, PASSWORD)).toBe("throttled");
      // …and the owner, from their own IP, signs in at once (before the fix: 429 for 15 minutes).
      if (store === "postgres") otherInstance();
      expect(await signInFrom("198.51.100.5", email, PASSWORD)).toBe("signed-in");
      // The attacker's IP is throttled for other accounts as well once its failures add up.
      const other = await setUp("bystander");
      const more = [];
      for (let i = 0; i < 16; i += 1) more.push(await signInFrom("203.0.113.66", i % 2 ? other : `ghost-${i}@example.com`, WRONG));
      expect(more.at(-1)).toBe("throttled");
      expect(more.filter((r) => r === "wrong").length).toBeLessThan(16);
    });

    it(`(${store} store) failures count, successes do not`, async () => {
      const email = await setUp("regular");
      const ip = "192.0.2.44";
      // Twenty successful sign-ins from one IP (more than any failure budget) are never throttled.
      for (let i = 0; i < 20; i += 1) expect(await signInFrom(ip, email, PASSWORD)).toBe("signed-in");
      // They left the failure budget whole: five typos are still checked, the sixth is refused.
      const typos = [];
      for (let i = 0; i < 6; i += 1) typos.push(await signInFrom(ip, email, WRONG));
      expect(typos).toEqual([...Array(5).fill("wrong"), "throttled"]);
    });

    it(`(${store} store) a distributed guessing run caps the account's failures; IPs the owner used still sign in`, async () => {
      const email = await setUp("targeted");
      const home = "192.0.2.77";
      expect(await signInFrom(home, email, PASSWORD)).toBe("signed-in");
      // 50 wrong passwords, one from each of 50 IPs: each IP stays under its own budgets.
      for (let i = 0; i < 50; i += 1) expect(await signInFrom(`10.9.${Math.floor(i / 200)}.${(i % 200) + 1}`, email, WRONG)).toBe("wrong");
      if (store === "postgres") otherInstance();
      // Now guessing from fresh IPs is refused unchecked, so the run cannot go on…
      expect(await signInFrom("10.9.7.1", email, WRONG)).toBe("throttled");
      expect(await signInFrom("10.9.7.2", email, PASSWORD)).toBe("throttled");
      // …while the owner, from an IP they signed in from before, is checked and let in.
      expect(await signInFrom(home, email, PASSWORD)).toBe("signed-in");
      expect(await signInFrom(home, email, WRONG)).toBe("wrong");
    });
  }
});
