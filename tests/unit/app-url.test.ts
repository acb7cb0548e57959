import { afterEach, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import { appUrl, requestOrigin } from "@/lib/app-url";

afterEach(() => vi.unstubAllEnvs());

describe("appUrl", () => {
  it("uses the configured URL in production, whatever host the request came to", () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("APP_URL", "https://billing.example.com/");
    expect(appUrl("http://127.0.0.1:3000")).toBe("https://billing.example.com");
  });

  it("in development sends people back to the loopback spelling they used (their session cookie lives there)", () => {
    vi.stubEnv("NODE_ENV", "development");
    vi.stubEnv("APP_URL", "http://localhost:3000");
    expect(appUrl("http://127.0.0.1:3000")).toBe("http://127.0.0.1:3000");
    expect(appUrl("http://localhost:3000")).toBe("http://localhost:3000");
    expect(appUrl()).toBe("http://localhost:3000");
  });

  it("in development keeps a configured public URL (a tunnel) and ignores non-loopback request hosts", () => {
    vi.stubEnv("NODE_ENV", "development");
    vi.stubEnv("APP_URL", "https://tunnel.example.dev");
    expect(appUrl("http://127.0.0.1:3000")).toBe("https://tunnel.example.dev");
    vi.stubEnv("APP_URL", "http://localhost:3000");
    expect(appUrl("http://evil.example.com")).toBe("http://localhost:3000");
  });

  it("falls back to NEXTAUTH_URL, then the request's origin", () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("APP_URL", "");
    vi.stubEnv("NEXTAUTH_URL", "https://auth.example.com");
    expect(appUrl("https://other.example.com")).toBe("https://auth.example.com");
    vi.stubEnv("NEXTAUTH_URL", "");
    expect(appUrl("https://other.example.com")).toBe("https://other.example.com");
  });
});

describe("requestOrigin", () => {
  it("is the host the browser asked for, not the server's own hostname", () => {
    const request = new NextRequest("http://localhost:3000/api/billing/checkout", { headers: { host: "127.0.0.1:3000" } });
    expect(requestOrigin(request)).toBe("http://127.0.0.1:3000");
  });

  it("falls back to the request URL when the Host header is missing or not a host", () => {
    expect(requestOrigin(new NextRequest("http://localhost:3000/x"))).toBe("http://localhost:3000");
    expect(requestOrigin(new NextRequest("http://localhost:3000/x", { headers: { host: "a b" } }))).toBe("http://localhost:3000");
  });
});
