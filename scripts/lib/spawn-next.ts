import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

/** `next start`'s idle keep-alive, as `npm start` sets it (README: Deploy behind a balancer). */
export const keepAliveTimeoutMs = (env: NodeJS.ProcessEnv = process.env): string => env.KEEP_ALIVE_TIMEOUT_MS || "65000";

/** `next <args>`; with `pipeStdout` its stdout is the returned child's `stdout` stream (stderr stays inherited). */
export function runNext(args: string[], env: NodeJS.ProcessEnv, options: { pipeStdout?: boolean } = {}): ChildProcess {
  return spawn(process.execPath, [nextBin, ...args], { stdio: options.pipeStdout ? ["inherit", "pipe", "inherit"] : "inherit", env });
}

export function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
