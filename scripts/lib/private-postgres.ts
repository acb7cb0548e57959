import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { childPids, freePort } from "./processes";

/**
 * A PostgreSQL server of the test's own (initdb in a temp dir, like scripts/ci-postgres.sh), for
 * fault tests that stop or freeze the database. Never the shared server.
 */
export interface PrivatePostgres {
  url: string;
  /** SIGSTOP the postmaster and every backend: connections stay open, nothing answers. */
  freeze(): void;
  thaw(): void;
  /** pg_ctl stop -m fast: connections are closed (admin shutdown), new ones refused. */
  stop(): void;
  start(): void;
  /** stop() and start() without blocking the event loop (an in-process emulator keeps delivering). */
  stopAsync(): Promise<void>;
  startAsync(): Promise<void>;
  destroy(): void;
}

/** Debian's /usr/lib/postgresql/<newest>/bin, else the directory on PATH holding initdb and pg_ctl (Homebrew). */
function pgBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(a) - Number(b)) : [];
  if (versions.length > 0) return path.join(root, versions[versions.length - 1], "bin");
  const onPath = (process.env.PATH ?? "")
    .split(path.delimiter)
    .find((dir) => dir && existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl")));
  if (onPath) return onPath;
  throw new Error("PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql or on PATH");
}

const isRoot = () => process.getuid?.() === 0;

/** [command, args] run as the postgres user when root (Postgres refuses to run as root). */
function asPostgresCommand(command: string, args: string[]): [string, string[]] {
  if (!isRoot()) return [command, args];
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return ["su", ["postgres", "-s", "/bin/sh", "-c", quoted]];
}

function asPostgres(command: string, args: string[]): void {
  const [file, argv] = asPostgresCommand(command, args);
  execFileSync(file, argv, { stdio: "pipe" });
}

async function asPostgresAsync(command: string, args: string[]): Promise<void> {
  const [file, argv] = asPostgresCommand(command, args);
  await promisify(execFile)(file, argv);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBin();
  const dir = mkdtempSync(path.join(tmpdir(), "billing-fault-pg-"));
  if (isRoot()) execFileSync("chown", ["postgres:postgres", dir]);
  else chownSync(dir, process.getuid!(), process.getgid!());
  const data = path.join(dir, "data");
  const port = await freePort();
  asPostgres(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  const startArgs = [
    "-D",
    data,
    "-o",
    `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=50`,
    "-l",
    path.join(dir, "log"),
    "-w",
    "start",
  ];
  const stopArgs = ["-D", data, "-m", "fast", "-w", "stop"];
  const start = () => asPostgres(path.join(bin, "pg_ctl"), startArgs);
  const stop = () => asPostgres(path.join(bin, "pg_ctl"), stopArgs);
  start();
  const postmaster = () => Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const signalAll = (signal: NodeJS.Signals) => {
    const pid = postmaster();
    for (const p of [pid, ...childPids(pid)]) process.kill(p, signal);
  };
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    freeze: () => signalAll("SIGSTOP"),
    thaw: () => signalAll("SIGCONT"),
    stop() {
      stop();
      running = false;
    },
    async stopAsync() {
      await asPostgresAsync(path.join(bin, "pg_ctl"), stopArgs);
      running = false;
    },
    async startAsync() {
      await asPostgresAsync(path.join(bin, "pg_ctl"), startArgs);
      running = true;
    },
    start() {
      start();
      running = true;
    },
    destroy() {
      if (running) {
        try {
          signalAll("SIGCONT");
          stop();
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
