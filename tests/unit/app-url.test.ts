import { afterEach, describe, expect, it, vi } from "vitest";
import { appUrl } from "@/lib/app-url";

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
