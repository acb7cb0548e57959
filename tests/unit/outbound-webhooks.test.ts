import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { outboundBackoffMs } from "@/lib/webhooks-out/deliver";
import { postWebhook } from "@/lib/webhooks-out/send";
import { signatureHeader } from "@/lib/webhooks-out/sign";
import { assertEndpointUrl, isPrivateAddress } from "@/lib/webhooks-out/target";
import { verifyWebhook } from "@/lib/webhooks-out/verify";

const read = (file: string) => readFileSync(path.join(process.cwd(), file), "utf8");

describe("outbound webhook signatures", () => {
  it("docs/billing.md shows lib/webhooks-out/verify.ts verbatim (the function the tests run)", () => {
    const snippet = read("lib/webhooks-out/verify.ts").trim();
    expect(read("docs/billing.md")).toContain("```ts\n" + snippet + "\n```");
  });

  it("verifies what the sender signs, with the current or a rotated-out secret, and nothing else", () => {
    const body = JSON.stringify({ id: "evt_1", type: "invoice.paid", data: { total: 1000 } });
    const now = Math.floor(Date.now() / 1000);
    const header = signatureHeader(["whsec_new", "whsec_old"], now, body);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(body, header, "whsec_new")).toBe(true);
    expect(verifyWebhook(body, header, "whsec_old")).toBe(true);
    expect(verifyWebhook(body, header, "whsec_other")).toBe(false);
    expect(verifyWebhook(body + " ", header, "whsec_new")).toBe(false);
    expect(verifyWebhook(body, signatureHeader(["whsec_new"], now - 301, body), "whsec_new")).toBe(false);
    expect(verifyWebhook(body, "t=abc,v1=00", "whsec_new")).toBe(false);
    expect(verifyWebhook(body, "", "whsec_new")).toBe(false);
  });

  it("backs off 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then every 24 h", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 9].map((n) => outboundBackoffMs(n) / 60_000)).toEqual([1, 5, 30, 120, 360, 720, 1440, 1440]);
  });
});

describe("outbound webhook targets", () => {
  afterEach(() => vi.unstubAllEnvs());
  const production = { NODE_ENV: "production" };
  const refused = (url: string, env: Record<string, string>) => {
    try {
      assertEndpointUrl(url, env);
      return null;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it("production: https on a public address only", () => {
    expect(refused("https://hooks.example.com/billing", production)).toBeNull();
    for (const url of [
      "http://hooks.example.com/billing",
      "http://127.0.0.1:4000/hook",
      "https://localhost/hook",
      "https://127.0.0.1/hook",
      "https://10.1.2.3/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hook",
      "https://[fd00::1]/hook",
      "https://[::ffff:192.168.1.1]/hook",
      "https://user:pass@hooks.example.com/",
      "javascript:alert(1)",
      "not a url",
    ]) {
      expect(refused(url, production), url).toBe("bad_request");
    }
    // Receivers on your own private network, when you say so.
    expect(refused("https://10.1.2.3/hook", { ...production, OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: "true" })).toBeNull();
  });

  it("development and tests: http only for localhost", () => {
    const dev = { NODE_ENV: "development" };
    expect(refused("http://127.0.0.1:4000/hook", dev)).toBeNull();
    expect(refused("http://localhost:4000/hook", dev)).toBeNull();
    expect(refused("http://hooks.example.com/hook", dev)).toBe("bad_request");
  });

  it("classifies addresses", () => {
    expect(["8.8.8.8", "2606:4700::1111"].map(isPrivateAddress)).toEqual([false, false]);
    expect(
      [
        "127.0.0.1",
        "10.0.0.1",
        "172.20.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
      ].every(isPrivateAddress),
    ).toBe(true);
  });

  it("refuses at connection time a name that resolves to a private address in production, and times out a silent receiver", async () => {
    const server = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const slow = await postWebhook(`http://127.0.0.1:${port}/`, {}, "{}", 300);
      expect(slow).toEqual({ statusCode: null, detail: "no answer within 0.3 s" });
      vi.stubEnv("NODE_ENV", "production");
      const byName = await postWebhook(`http://localhost:${port}/`, {}, "{}", 1_000);
      expect(byName.statusCode).toBeNull();
      expect(byName.detail).toMatch(/private address: refused/);
      const byAddress = await postWebhook(`http://127.0.0.1:${port}/`, {}, "{}", 1_000);
      expect(byAddress.detail).toMatch(/private address: refused/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
