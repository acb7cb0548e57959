import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, portListening } from "./processes";

/**
 * PgBouncer (Debian's `pgbouncer`) in **transaction** pooling mode in front of a Postgres server,
 * with its config, socket and log in a temp dir outside the checkout. Every database of the server
 * is reachable through it (`* = host=… port=…`), so scratch databases made by tests work as they are.
 * PgBouncer refuses to run as root: as root it is started as the postgres user.
 */
export interface PgBouncer {
  /** The pooled URL of the same database as `serverUrl` (same user and database name). */
  url(serverUrl: string): string;
  port: number;
  /** Stops and starts it again on the same port (the pooled connections are gone, as in a restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** `SHOW POOLS` etc. through the admin console. */
  log(): string;
}

export const pgbouncerAvailable = (): boolean => {
  try {
    execFileSync("pgbouncer", ["--version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
};

export interface PgBouncerOptions {
  /** Server connections per (database, user) pair. */
  poolSize?: number;
  maxClientConnections?: number;
}

export async function startPgBouncer(serverUrl: string, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const dir = mkdtempSync(path.join(tmpdir(), "billing-pgbouncer-"));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const ini = path.join(dir, "pgbouncer.ini");
  const logFile = path.join(dir, "pgbouncer.log");
  writeFileSync(
    ini,
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      "auth_type = trust",
      `auth_file = ${path.join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 20}`,
      `max_client_conn = ${options.maxClientConnections ?? 1000}`,
      // postgres.js sends these at start-up; PgBouncer refuses unknown startup parameters.
      "ignore_startup_parameters = extra_float_digits,options",
      "server_reset_query_always = 0",
      // After a failed server login (Postgres restarting) PgBouncer waits this long before trying
      // again: its default, 15 s, kept the app answering 503 for ~13 s after Postgres was back.
      "server_login_retry = 1",
      `logfile = ${logFile}`,
      `pidfile = ${path.join(dir, "pgbouncer.pid")}`,
      `admin_users = ${decodeURIComponent(server.username || "postgres")}`,
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(dir, "users.txt"), `"${decodeURIComponent(server.username || "postgres")}" ""\n`);
  if (root) execFileSync("chown", ["-R", "postgres:postgres", dir]);
  else chownSync(dir, process.getuid!(), process.getgid!());

  let child: ChildProcess | undefined;
  const start = async () => {
    // setpriv execs pgbouncer itself (no `su` in between), so signals reach it directly.
    const [command, args] = root
      ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "pgbouncer", ini]]
      : ["pgbouncer", [ini]];
    child = spawn(command, args, { stdio: "ignore" });
    const started = Date.now();
    while (!(await portListening(port))) {
      if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${readLog(logFile)}`);
      if (Date.now() - started > 10_000) throw new Error(`pgbouncer not listening after 10 s: ${readLog(logFile)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
    // SIGTERM is an immediate shutdown up to PgBouncer 1.22 and a "safe" one (waits for clients)
    // from 1.23: whichever it is, a restart must not wait for the app, so SIGKILL follows.
    current.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1_000))]);
    if (current.exitCode === null) current.kill("SIGKILL");
    while (await portListening(port)) await new Promise((r) => setTimeout(r, 50));
  };
  await start();
  return {
    port,
    url(target: string) {
      const pooled = new URL(target);
      pooled.hostname = "127.0.0.1";
      pooled.port = String(port);
      return pooled.toString();
    },
    async restart() {
      await stop();
      await start();
    },
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => readLog(logFile),
  };
}

const readLog = (file: string) => (existsSync(file) ? execFileSync("tail", ["-n", "20", file]).toString() : "");
