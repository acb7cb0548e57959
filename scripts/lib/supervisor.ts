import type { ChildProcess } from "node:child_process";
import { pidtree } from "pidtree";

/** How long children get to exit after SIGTERM before everything left of them is killed. */
const GRACE_MS = 3_000;

/**
 * Runs a command's parts as one unit, for `npm run dev` and the e2e server. When any part fails, when the
 * command is interrupted (Ctrl-C, SIGTERM, SIGHUP), or when whatever started it goes away, every process it
 * started is stopped — with their own children, which `next dev` has — the cleanups run (the in-process
 * emulator saves its state), and it exits: non-zero with one line saying what failed and what to do.
 */
export class Supervisor {
  private readonly children = new Set<ChildProcess>();
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private stopping = false;

  constructor(private readonly name: string) {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void this.stop(0));
    process.on("uncaughtException", (error) => void this.fail(`it crashed: ${errorMessage(error)}`, error));
    process.on("unhandledRejection", (error) => void this.fail(`it crashed: ${errorMessage(error)}`, error));
    // npm forwards SIGTERM only to the shell it runs the script in: if that shell dies, this process is
    // re-parented, and nobody would ever stop the children. Cheap to check, so check.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void this.stop(0);
    }, 500).unref();
  }

  /** Runs when everything stops, after the children have exited. */
  onStop(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** A child that exits on its own stops everything; non-zero (or killed), as a failure explained by `hint`. */
  watch(label: string, child: ChildProcess, hint: string): ChildProcess {
    this.children.add(child);
    child.on("error", (error) => void this.fail(`${label} could not start (${errorMessage(error)}). ${hint}`));
    child.on("exit", async (code, signal) => {
      this.children.delete(child);
      // A piped stdout may still hold the child's last lines: let them out before saying why it stopped.
      const out = child.stdout;
      if (out && !out.readableEnded) await new Promise((resolve) => (out.once("end", resolve), setTimeout(resolve, 1_000).unref()));
      if (this.stopping) return;
      if (code === 0) void this.stop(0);
      else void this.fail(`${label} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}. ${hint}`);
    });
    return child;
  }

  /** Stops everything and exits non-zero with one line; `error` (an unexpected one) is printed above it. */
  async fail(message: string, error?: unknown): Promise<never> {
    if (error !== undefined && !this.stopping) console.error(error);
    if (!this.stopping) console.error(`\n✖ ${this.name} stopped: ${message}`);
    return this.stop(1);
  }

  async stop(code: number): Promise<never> {
    if (this.stopping) return new Promise<never>(() => {});
    this.stopping = true;
    const children = [...this.children];
    // Snapshot the whole tree first: once a parent exits, its children are re-parented and out of reach.
    const tree = (await Promise.all(children.map((c) => descendants(c.pid)))).flat();
    for (const child of children) child.kill("SIGTERM");
    await Promise.race([Promise.all(children.map(exited)), delay(GRACE_MS)]);
    for (const pid of [...children.map((c) => c.pid), ...tree]) {
      if (pid) killQuietly(pid);
    }
    for (const cleanup of this.cleanups) {
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => console.error(`${this.name}: while stopping: ${errorMessage(error)}`));
    }
    process.exit(code);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function descendants(pid: number | undefined): Promise<number[]> {
  if (!pid) return [];
  return pidtree(pid).catch(() => []);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
