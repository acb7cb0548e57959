import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { hashPassword, passwordWeakness, verifyPassword } from "@/lib/auth/password";
import { effectiveRole } from "@/lib/auth/roles";
import { secretMatches } from "@/lib/auth/shared-secret";

describe("safeCallbackUrl", () => {
  it.each([
    ["/billing", "/billing"],
    ["/admin?tab=1", "/admin?tab=1"],
    ["https://evil.example/x", "/billing"],
    ["//evil.example", "/billing"],
    ["/\\evil.example", "/billing"],
    ["/\t/evil.example", "/billing"],
    ["/\r\n/evil.example", "/billing"],
    ["/ /evil.example", "/%20/evil.example"],
    ["\t//evil.example", "/billing"],
    ["https:evil.example", "/billing"],
    ["javascript:alert(1)", "/billing"],
    ["billing", "/billing"],
    ["../admin", "/billing"],
    ["/a/../admin", "/admin"],
    ["http://[::1", "/billing"],
    ["", "/billing"],
    [undefined, "/billing"],
  ])("%j → %s", (input, expected) => expect(safeCallbackUrl(input)).toBe(expected));

  // Dot segments that normalise to `//host` (issue 18): a browser would follow the result to evil.example.
  const DOT_SEGMENT_REDIRECTS = [
    "/.//evil.example/x",
    "/..//evil.example/x",
    "/%2e//evil.example/x",
    "/%2e%2e//evil.example/x",
    "/%2E%2E//evil.example/x",
    "/a/..//evil.example/x",
    "/./\\evil.example",
    "/.\\/evil.example",
    "/./%2e//evil.example",
  ];
  it.each(DOT_SEGMENT_REDIRECTS)("%j falls back, with or without the app's origin", (input) => {
    expect(safeCallbackUrl(input)).toBe("/billing");
    expect(safeCallbackUrl(input, "/billing", "http://app.test")).toBe("/billing");
    expect(safeCallbackUrl(`http://app.test${input}`, "/billing", "http://app.test")).toBe("/billing");
  });

  it("returns the normalised same-origin path, which resolves to the app's origin again", () => {
    expect(safeCallbackUrl("/./billing/../pricing?x=1#y", "/billing", "http://app.test")).toBe("/pricing?x=1#y");
    expect(safeCallbackUrl("/%2e/dashboard", "/billing", "http://app.test/")).toBe("/dashboard");
    for (const input of DOT_SEGMENT_REDIRECTS) {
      const path = safeCallbackUrl(input, "/billing", "http://app.test");
      expect(new URL(path, "http://app.test").origin).toBe("http://app.test");
    }
  });

  it("accepts absolute URLs on the app's own origin only", () => {
    expect(safeCallbackUrl("http://app.test/pricing?x=1", "/billing", "http://app.test")).toBe("/pricing?x=1");
    expect(safeCallbackUrl("http://app.test.evil.example/", "/billing", "http://app.test")).toBe("/billing");
    expect(safeCallbackUrl("http://other.test/", "/billing", "http://app.test")).toBe("/billing");
  });
});

describe("secretMatches", () => {
  it("accepts only the exact configured secret", () => {
    expect(secretMatches("s3cret-value", "s3cret-value")).toBe(true);
    expect(secretMatches("s3cret-valuE", "s3cret-value")).toBe(false);
    expect(secretMatches("s3cret", "s3cret-value")).toBe(false);
    expect(secretMatches(null, "s3cret-value")).toBe(false);
    expect(secretMatches("anything", undefined)).toBe(false);
    expect(secretMatches("", "")).toBe(false);
  });
});

describe("passwordWeakness", () => {
  it("accepts a reasonable password and explains each rejection", async () => {
    expect(await passwordWeakness("correct horse 9")).toBeNull();
    expect(await passwordWeakness("short1")).toMatch(/at least 10/);
    expect(await passwordWeakness("x".repeat(201) + "1")).toMatch(/at most/);
    expect(await passwordWeakness("abababababab1")).toMatch(/repetitive/);
  });

  it.each(["Password1!", "qwerty1234", "password123", "Welcome2024!", "iloveyou12"])(
    "rejects the common password %s with a clear message",
    async (password) => expect(await passwordWeakness(password)).toMatch(/too common or easy to guess/),
  );

  it.each(["marguerite.okonkwo-1987@example.com", "j.van-der-berg_42@example.com", "plinketty.quorm@example.com"])(
    "rejects the local part of %s (also in capitals or with a symbol added), which zxcvbn alone let through",
    async (email) => {
      const local = email.slice(0, email.indexOf("@"));
      for (const password of [local, local.toUpperCase(), `${local}!`, email]) {
        expect(await passwordWeakness(password, [email, ""]), password).toMatch(/email address or name|too common/);
      }
      // Another address accepts the same password: the rule is about the account's own data.
      expect(await passwordWeakness(local, ["someone-else@example.com"])).toBeNull();
    },
  );

  it("rejects a password built from the user's name", async () => {
    expect(await passwordWeakness("Plinketty Quorm 7", ["pq@example.com"])).toBeNull();
    expect(await passwordWeakness("Plinketty Quorm 7", ["pq@example.com", "Plinketty Quorm"])).toMatch(/too common/);
  });

  it("rejects a password built from the user's own email", async () => {
    expect(await passwordWeakness("zorblaxian99")).toBeNull();
    expect(await passwordWeakness("zorblaxian99", ["zorblaxian@example.com"])).toMatch(/too common/);
  });
});

describe("password hashing", () => {
  it("counts every character, also beyond bcrypt's 72 bytes", async () => {
    const long = "correct horse battery staple ".repeat(3); // 87 bytes
    const hash = await hashPassword(long + "A");
    expect(await verifyPassword(long + "A", hash)).toBe(true);
    expect(await verifyPassword(long + "B", hash)).toBe(false);
  });
});

describe("effectiveRole", () => {
  const verified = new Date();
  it("promotes ADMIN_EMAILS case-insensitively and never demotes a stored admin", () => {
    process.env.ADMIN_EMAILS = " Boss@Example.com , other@example.com";
    try {
      expect(effectiveRole({ email: "boss@example.com", role: "user", emailVerifiedAt: verified })).toBe("admin");
      expect(effectiveRole({ email: "someone@example.com", role: "user", emailVerifiedAt: verified })).toBe("user");
      expect(effectiveRole({ email: "someone@example.com", role: "admin", emailVerifiedAt: verified })).toBe("admin");
    } finally {
      delete process.env.ADMIN_EMAILS;
    }
  });

  it("grants the admin role only to a verified address", () => {
    process.env.ADMIN_EMAILS = "boss@example.com";
    try {
      expect(effectiveRole({ email: "boss@example.com", role: "user", emailVerifiedAt: null })).toBe("user");
      expect(effectiveRole({ email: "boss@example.com", role: "admin", emailVerifiedAt: null })).toBe("user");
    } finally {
      delete process.env.ADMIN_EMAILS;
    }
  });
});
