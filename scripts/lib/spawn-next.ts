import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import path from "node:path";

const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

/** `next start`'s idle keep-alive, as `npm start` sets it (docs/deploying.md: Deploy behind a balancer). */
export const keepAliveTimeoutMs = (env: NodeJS.ProcessEnv = process.env): string => env.KEEP_ALIVE_TIMEOUT_MS || "65000";

/**
 * `next <args>`; with `pipeStdout` its stdout is the returned child's `stdout` stream (stderr stays
 * inherited), with `pipeOutput` both stdout and stderr are (stdin ignored). `next start` gets NEXT_MANUAL_SIG_HANDLE=true as `npm start` does: SIGTERM drains it
 * gracefully (lib/shutdown.ts) instead of Next.js closing its listener at once.
 */
export function runNext(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { pipeStdout?: boolean; pipeOutput?: boolean } = {},
): ChildProcess {
  const childEnv = args[0] === "start" ? { NEXT_MANUAL_SIG_HANDLE: "true", ...env } : env;
  const stdio: StdioOptions = options.pipeOutput
    ? ["ignore", "pipe", "pipe"]
    : options.pipeStdout
      ? ["inherit", "pipe", "inherit"]
      : "inherit";
  return spawn(process.execPath, [nextBin, ...args], { stdio, env: childEnv });
}

export function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
