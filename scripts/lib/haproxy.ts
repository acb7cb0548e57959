import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, portListening } from "./processes";

/**
 * HAProxy (Debian's `haproxy`) as the load balancer in front of several app instances: round-robin,
 * each backend health-checked on `GET /api/health` every 500 ms (two failures take it out, one
 * success puts it back), so an instance that died or answers 503 while it starts or drains stops
 * getting requests within about a second. A request whose connection to a backend fails is retried
 * on another one (`option redispatch`); a request that reached a backend is never sent twice.
 * Its config and admin socket live in a temp dir outside the checkout.
 */
export interface HaproxyBackend {
  name: string;
  /** host:port */
  address: string;
}

export interface HaproxyOptions {
  /** The port it listens on (127.0.0.1); default a free one. */
  port?: number;
  backends: HaproxyBackend[];
  /** Health-check path (default /api/health). */
  healthPath?: string;
  log?: (line: string) => void;
}

export interface BackendState {
  name: string;
  /** "UP", "DOWN", "MAINT", "UP 1/2", … as HAProxy's stats report it. */
  status: string;
  /** Requests sent to it so far. */
  requests: number;
}

export interface Haproxy {
  url: string;
  port: number;
  pid: number | undefined;
  /** Each backend's health-check status and request count (the admin socket's `show stat`). */
  backends(): Promise<BackendState[]>;
  /** Takes a backend out of rotation (maintenance) or puts it back (it is UP again once a health check passes). */
  setBackend(name: string, state: "enable" | "disable"): Promise<void>;
  /** Everything HAProxy wrote (its warnings, e.g. a backend going DOWN), last lines. */
  output(): string;
  stop(): Promise<void>;
}

export const haproxyAvailable = (): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = spawn("haproxy", ["-v"], { stdio: "ignore" });
    probe.once("error", () => resolve(false));
    probe.once("exit", (code) => resolve(code === 0));
  });

export function haproxyConfig(options: { port: number; backends: HaproxyBackend[]; healthPath: string; adminSocket: string }): string {
  return [
    "global",
    "  maxconn 4096",
    `  stats socket ${options.adminSocket} mode 600 level admin`,
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    // Clients (Stripe's webhook sender among them) and idle keep-alive connections to the balancer.
    "  timeout client 65s",
    "  timeout http-keep-alive 60s",
    "  timeout http-request 10s",
    // A webhook or a checkout waits on Stripe (STRIPE_TIMEOUT_MS, 10 s by default): well below this.
    "  timeout server 30s",
    "  timeout queue 10s",
    // Connection failures only (HAProxy's default retry-on): a request an instance has received is
    // never replayed by the balancer, the client (or Stripe's redelivery) decides.
    "  retries 3",
    "  option redispatch 1",
    "  http-reuse safe",
    "frontend web",
    `  bind 127.0.0.1:${options.port}`,
    "  default_backend app",
    "backend app",
    "  balance roundrobin",
    `  option httpchk GET ${options.healthPath}`,
    "  http-check expect status 200",
    // Every 500 ms; 2 failures → DOWN (about 1 s), 1 success → UP. A check waits at most 1.5 s,
    // /api/health's own budget.
    "  timeout check 1500ms",
    "  default-server inter 500 fastinter 250 downinter 500 fall 2 rise 1",
    ...options.backends.map((b) => `  server ${b.name} ${b.address} check`),
    "",
  ].join("\n");
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const dir = mkdtempSync(path.join(tmpdir(), "billing-haproxy-"));
  const port = options.port ?? (await freePort());
  const config = path.join(dir, "haproxy.cfg");
  const adminSocket = path.join(dir, "admin.sock");
  writeFileSync(config, haproxyConfig({ port, backends: options.backends, healthPath: options.healthPath ?? "/api/health", adminSocket }));

  let output = "";
  const child: ChildProcess = spawn("haproxy", ["-db", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    for (const line of text.split("\n")) if (line.trim()) options.log?.(`[haproxy] ${line}`);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(2_000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const started = Date.now();
  while (!(await portListening(port))) {
    if (spawnError) {
      await stop();
      throw new Error(`could not start haproxy (${spawnError.message}); install it: apt-get install haproxy, or brew install haproxy`);
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`haproxy exited with ${child.exitCode}:\n${output}`);
    }
    if (Date.now() - started > 10_000) {
      await stop();
      throw new Error(`haproxy not listening on ${port} after 10 s:\n${output}`);
    }
    await sleep(50);
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    async backends() {
      const csv = await adminCommand(adminSocket, "show stat");
      const lines = csv.split("\n").filter((l) => l.trim());
      const header = lines[0].replace(/^# /, "").split(",");
      const column = (name: string) => header.indexOf(name);
      return lines
        .slice(1)
        .map((l) => l.split(","))
        .filter((f) => f[column("pxname")] === "app" && f[column("svname")] !== "BACKEND" && f[column("svname")] !== "FRONTEND")
        .map((f) => ({ name: f[column("svname")], status: f[column("status")], requests: Number(f[column("stot")]) }));
    },
    async setBackend(name, state) {
      const answer = await adminCommand(adminSocket, `${state} server app/${name}`);
      if (answer.trim()) throw new Error(`haproxy: ${state} server app/${name}: ${answer.trim()}`);
    },
    output: () => output,
    stop,
  };
}

function adminCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.once("error", reject);
    socket.once("end", () => resolve(data));
    socket.once("connect", () => socket.write(`${command}\n`));
  });
}
