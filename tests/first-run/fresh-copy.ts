import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The repository as a fresh clone has it, in a temp dir outside the checkout: the files git tracks (their
 * working-tree content, so uncommitted edits are tested too) and nothing else — no .data/, .next/ or .env.
 * node_modules is hard-linked (a second `npm install` would take minutes; Turbopack refuses a symlinked one).
 */
export function freshCopy(repo = process.cwd()): string {
  const dir = mkdtempSync(path.join(tmpdir(), "first-run-"));
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: repo, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    const from = path.join(repo, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(from, path.join(dir, file));
  }
  try {
    execFileSync("cp", ["-al", path.join(repo, "node_modules"), path.join(dir, "node_modules")], { stdio: "ignore" });
  } catch {
    cpSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
  }
  return dir;
}

/** What a new user's shell has: no database, Stripe or auth settings, nothing from the test runner. */
const INHERITED = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TERM"];

export interface DevRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm run dev` in `dir`, as the leader of its own process group so the test can find all it started. */
export function startDev(dir: string, env: Record<string, string>): DevRun {
  const base = Object.fromEntries(INHERITED.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  // No NODE_ENV either: next dev sets it.
  const childEnv = { ...base, NEXT_TELEMETRY_DISABLED: "1", ...env } as Partial<NodeJS.ProcessEnv> as NodeJS.ProcessEnv;
  const child = spawn("npm", ["run", "dev"], {
    cwd: dir,
    env: childEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Processes still in the process group `pgid` (every process `npm run dev` started, unless one escaped it). */
export function processesInGroup(pgid: number): string[] {
  const rows = execFileSync("ps", ["-A", "-o", "pid=,pgid=,args="], { encoding: "utf8" }).split("\n");
  return rows.filter((row) => row.trim().split(/\s+/)[1] === String(pgid)).map((row) => row.trim());
}

export function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

export async function isListening(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );
}

/** Lines of dev output that show something went wrong: what the README's first run must never print. */
export function problemLines(output: string): string[] {
  return output
    .split("\n")
    .filter((line) =>
      /Error|ENOENT|EADDRINUSE|Uncaught|Unhandled|⨯|^\s+at \S+.*:\d+|"level":(40|50|60)\b|\] (WARN|ERROR|FATAL):/.test(line),
    );
}

/** Raw pino JSON lines: the dev terminal pretty-prints them instead. */
export function jsonLogLines(output: string): string[] {
  return output.split("\n").filter((line) => /^\s*\{.*"level":\d+/.test(line));
}
