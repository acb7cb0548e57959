import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

/** `next start`'s idle keep-alive, as `npm start` sets it (README: Deploy behind a balancer). */
export const keepAliveTimeoutMs = (env: NodeJS.ProcessEnv = process.env): string => env.KEEP_ALIVE_TIMEOUT_MS || "65000";

/**
 * `next <args>`; with `pipeStdout` its stdout is the returned child's `stdout` stream (stderr stays
 * inherited). `next start` gets NEXT_MANUAL_SIG_HANDLE=true as `npm start` does: SIGTERM drains it
 * gracefully (lib/shutdown.ts) instead of Next.js closing its listener at once.
 */
export function runNext(args: string[], env: NodeJS.ProcessEnv, options: { pipeStdout?: boolean } = {}): ChildProcess {
  const childEnv = args[0] === "start" ? { NEXT_MANUAL_SIG_HANDLE: "true", ...env } : env;
  return spawn(process.execPath, [nextBin, ...args], { stdio: options.pipeStdout ? ["inherit", "pipe", "inherit"] : "inherit", env: childEnv });
}

export function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
