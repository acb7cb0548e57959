import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaproxy, type Haproxy } from "@/scripts/lib/haproxy";

/**
 * The cluster's load balancer (scripts/lib/haproxy.ts), a real HAProxy in front of three small HTTP
 * servers standing in for app instances: round-robin, an instance whose /api/health answers 503
 * (starting or draining) or that died is out of rotation within about a second, and a request
 * whose connection to a dead instance fails goes to another one instead of failing.
 */
interface Backend {
  name: string;
  server: Server;
  port: number;
  healthy: boolean;
  hits: number;
}

async function startBackend(name: string): Promise<Backend> {
  const backend = { name, healthy: true, hits: 0 } as Backend;
  backend.server = createServer((req, res) => {
    if (req.url === "/api/health") {
      res.writeHead(backend.healthy ? 200 : 503).end();
      return;
    }
    backend.hits += 1;
    res.writeHead(200, { "content-type": "text/plain" }).end(name);
  });
  await new Promise<void>((resolve) => backend.server.listen(0, "127.0.0.1", resolve));
  backend.port = (backend.server.address() as AddressInfo).port;
  return backend;
}

const closeServer = (server: Server) => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));

async function until(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

describe("the cluster's HAProxy", () => {
  let backends: Backend[];
  let haproxy: Haproxy;
  const get = async () => {
    const res = await fetch(`${haproxy.url}/work`);
    return { status: res.status, body: await res.text() };
  };
  const status = async (name: string) => (await haproxy.backends()).find((b) => b.name === name)?.status ?? "";

  beforeAll(async () => {
    backends = await Promise.all(["app0", "app1", "app2"].map(startBackend));
    haproxy = await startHaproxy({ backends: backends.map((b) => ({ name: b.name, address: `127.0.0.1:${b.port}` })) });
  });
  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all((backends ?? []).filter((b) => b.server.listening).map((b) => closeServer(b.server)));
  });

  it("spreads requests round-robin over every instance", async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 9; i += 1) bodies.push((await get()).body);
    for (const b of backends) expect(bodies.filter((x) => x === b.name)).toHaveLength(3);
  });

  it("takes an instance whose health answers 503 out within about a second, and back once it answers 200", async () => {
    backends[1].healthy = false;
    const outAfter = await until(async () => (await status("app1")).startsWith("DOWN"), 3_000);
    expect(outAfter).toBeLessThan(2_000);
    const before = backends[1].hits;
    for (let i = 0; i < 12; i += 1) expect((await get()).status).toBe(200);
    expect(backends[1].hits).toBe(before);
    backends[1].healthy = true;
    await until(async () => (await status("app1")).startsWith("UP"), 2_000);
    const bodies: string[] = [];
    for (let i = 0; i < 6; i += 1) bodies.push((await get()).body);
    expect(bodies).toContain("app1");
  });

  it("a request to an instance that died is sent to another one, not failed, and the dead one is out within about a second", async () => {
    await closeServer(backends[2].server);
    // Straight away, before any health check noticed: connection refused → redispatched.
    const answers = await Promise.all(Array.from({ length: 12 }, () => get()));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(answers.map((a) => a.body)).not.toContain("app2");
    const outAfter = await until(async () => (await status("app2")).startsWith("DOWN"), 3_000);
    expect(outAfter).toBeLessThan(2_000);
  });
});
