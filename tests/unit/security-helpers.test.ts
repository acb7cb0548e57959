import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { passwordWeakness } from "@/lib/auth/password";
import { effectiveRole } from "@/lib/auth/roles";
import { secretMatches } from "@/lib/auth/shared-secret";

describe("safeCallbackUrl", () => {
  it.each([
    ["/billing", "/billing"],
    ["/admin?tab=1", "/admin?tab=1"],
    ["https://evil.example/x", "/billing"],
    ["//evil.example", "/billing"],
    ["/\\evil.example", "/billing"],
    ["", "/billing"],
    [undefined, "/billing"],
  ])("%s → %s", (input, expected) => expect(safeCallbackUrl(input)).toBe(expected));
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
  it("accepts a reasonable password and explains each rejection", () => {
    expect(passwordWeakness("correct horse 9")).toBeNull();
    expect(passwordWeakness("short1")).toMatch(/at least 10/);
    expect(passwordWeakness("x".repeat(201) + "1")).toMatch(/at most/);
    expect(passwordWeakness("abababababab1")).toMatch(/repetitive/);
  });
});

describe("effectiveRole", () => {
  it("promotes ADMIN_EMAILS case-insensitively and never demotes a stored admin", () => {
    process.env.ADMIN_EMAILS = " Boss@Example.com , other@example.com";
    try {
      expect(effectiveRole({ email: "boss@example.com", role: "user" })).toBe("admin");
      expect(effectiveRole({ email: "someone@example.com", role: "user" })).toBe("user");
      expect(effectiveRole({ email: "someone@example.com", role: "admin" })).toBe("admin");
    } finally {
      delete process.env.ADMIN_EMAILS;
    }
  });
});
