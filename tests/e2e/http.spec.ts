import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { E2E_BASE_URL } from "../../playwright.config";
import { freePort } from "../../scripts/lib/processes";
import { DEFAULT_WEBHOOK_SECRET } from "stripe-emulator";
import { EMULATOR_URL, expect, test } from "./helpers";
import { startSecondApp } from "./second-app";

/**
 * HTTP as clients and load balancers speak it to `next start`: every page answer carries its CSP
 * whatever the request carried, an early refusal does not break a keep-alive connection, and idle
 * connections outlive a balancer's idle timeout (through a real HAProxy).
 */
test.describe.configure({ mode: "serial" });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The local port of the connection the answer came on. */
  localPort: number | undefined;
}

/** One request over `agent`, resolving with the answer even if the server hangs up after sending it. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers, agent: options.agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          localPort: req.socket?.localPort,
        }),
      );
      res.on("error", reject);
    });
    // The server may close its side while a refused body is still being written: that is not a failure of this request.
    req.on("error", (error) => (answered ? undefined : reject(error)));
    req.end(options.body);
  });
}

test("every page answer carries its CSP, also for a request with a body (a cross-site form POST, Content-Length: 0)", async () => {
  const requests: { name: string; method: string; headers?: Record<string, string>; body?: string }[] = [
    { name: "GET", method: "GET" },
    {
      name: "cross-site form POST",
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: "plan=pro",
    },
    { name: "POST with Content-Length: 0", method: "POST", headers: { "content-length": "0" }, body: "" },
    { name: "GET with Content-Length: 0", method: "GET", headers: { "content-length": "0" }, body: "" },
    { name: "chunked POST", method: "POST", headers: { "transfer-encoding": "chunked", "content-type": "text/plain" }, body: "hello" },
    { name: "POST with a 100 KB body", method: "POST", headers: { "content-type": "text/plain" }, body: "x".repeat(100 * 1024) },
  ];
  for (const pagePath of ["/pricing", "/", "/sign-in"]) {
    for (const r of requests) {
      const answer = await send(`${E2E_BASE_URL}${pagePath}`, { method: r.method, headers: r.headers, body: r.body });
      const label = `${r.name} ${pagePath} (${answer.status})`;
      expect(answer.status, label).toBeLessThan(500);
      const csp = String(answer.headers["content-security-policy"] ?? "");
      expect(csp, label).toContain("frame-ancestors 'none'");
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, label).toBeTruthy();
      // The page's own scripts carry that nonce, so they run under it.
      if (answer.status === 200) expect(answer.body, label).toContain(`nonce="${nonce}"`);
    }
  }
});

test("after a 413 the same keep-alive connection is closed cleanly: the client's next request succeeds", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Warm one connection so the refused request reuses it, as a client's pool would.
    const warm = await send(`${E2E_BASE_URL}/api/health`, { agent });
    expect(warm.status).toBe(200);
    const huge = Buffer.alloc(2 * 1024 * 1024, "a");
    const framings: Record<string, string>[] = [
      { "content-type": "application/json", "stripe-signature": "t=1,v1=00", "content-length": String(huge.length) },
      { "content-type": "application/json", "stripe-signature": "t=1,v1=00", "transfer-encoding": "chunked" },
    ];
    for (const headers of framings) {
      const refused = await send(`${E2E_BASE_URL}/api/billing/webhook`, { method: "POST", headers, body: huge, agent });
      expect(refused.status).toBe(413);
      expect(refused.headers.connection).toBe("close");
      for (let i = 0; i < 3; i += 1) {
        const next = await send(`${E2E_BASE_URL}/api/health`, { agent });
        expect(next.status).toBe(200);
      }
    }
    // Other early refusals (a wrong content type, before the body is read) close the connection too.
    const wrongType = await send(`${E2E_BASE_URL}/api/account`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: E2E_BASE_URL },
      body: huge,
      agent,
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.connection).toBe("close");
    expect((await send(`${E2E_BASE_URL}/api/health`, { agent })).status).toBe(200);
  } finally {
    agent.destroy();
  }
});

test.describe("behind a load balancer (HAProxy) that keeps idle server connections 60 s", () => {
  let app: Awaited<ReturnType<typeof startSecondApp>>;
  let haproxy: ChildProcess | undefined;
  let haproxyLog = "";
  let frontendUrl = "";

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    // `npm start` exactly as a deployment runs it (package.json's script, KEEP_ALIVE_TIMEOUT_MS unset).
    app = await startSecondApp(
      {
        KEEP_ALIVE_TIMEOUT_MS: "",
        DATABASE_URL: "",
        PGLITE_DIR: path.join(mkdtempSync(path.join(tmpdir(), "billing-lb-")), "pglite"),
        STRIPE_EMULATOR_URL: EMULATOR_URL,
        STRIPE_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
      },
      { npmStart: true },
    );
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), "billing-haproxy-"));
    const config = path.join(dir, "haproxy.cfg");
    writeFileSync(
      config,
      [
        "global",
        "  log stdout format raw local0",
        "defaults",
        "  mode http",
        "  log global",
        // One line per request: the HAProxy-side port of the server connection it went over, and the status.
        '  log-format "backend_port=%bp status=%ST"',
        "  timeout connect 2s",
        "  timeout client 60s",
        "  timeout server 60s",
        // The balancer keeps idle connections (to clients and, pooled, to the app) open 60 s.
        "  timeout http-keep-alive 60s",
        "  http-reuse always",
        "  retries 0",
        "frontend web",
        `  bind 127.0.0.1:${port}`,
        "  default_backend app",
        "backend app",
        `  server app ${new URL(app.url).host}`,
        "",
      ].join("\n"),
    );
    haproxy = spawn("haproxy", ["-db", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
    haproxy.on("error", (error) => (haproxyLog += `could not start haproxy (apt-get install haproxy; .ci/run does): ${error.message}\n`));
    haproxy.stdout?.on("data", (chunk: Buffer) => (haproxyLog += chunk.toString()));
    haproxy.stderr?.on("data", (chunk: Buffer) => (haproxyLog += chunk.toString()));
    frontendUrl = `http://127.0.0.1:${port}`;
    await expect
      .poll(
        async () =>
          await fetch(`${frontendUrl}/api/health`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 10_000, message: haproxyLog },
      )
      .toBe(200);
  });
  test.afterAll(() => {
    haproxy?.kill("SIGKILL");
    app?.stop();
  });

  test("requests with idle gaps longer than next start's 5 s default reuse the same app connection, without an error", async () => {
    test.setTimeout(60_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      haproxyLog = "";
      const clientPorts = new Set<number | undefined>();
      for (let i = 0; i < 3; i += 1) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 6_500));
        const answer = await send(`${frontendUrl}/api/health`, { agent });
        expect(answer.status, haproxyLog).toBe(200);
        clientPorts.add(answer.localPort);
      }
      expect(clientPorts.size).toBe(1);
      await expect.poll(() => haproxyLog.match(/backend_port=\d+ status=\d+/g)?.length ?? 0, { timeout: 5_000 }).toBe(3);
      const lines = haproxyLog.match(/backend_port=(\d+) status=(\d+)/g) ?? [];
      expect(
        lines.map((line) => line.split(" ")[1]),
        haproxyLog,
      ).toEqual(["status=200", "status=200", "status=200"]);
      // One app connection for all three: the app kept it open through each idle gap, so the balancer
      // never sent a request over a connection the app was closing.
      expect(new Set(lines.map((line) => line.split(" ")[0])).size, haproxyLog).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});
