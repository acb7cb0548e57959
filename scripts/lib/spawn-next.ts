import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

export function runNext(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [nextBin, ...args], { stdio: "inherit", env });
}

export function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

/** Ends the child with the parent and runs `cleanup` once, whichever goes first. */
export function superviseChild(child: ChildProcess, cleanup: () => Promise<void>): void {
  let done = false;
  const finish = async (code: number) => {
    if (done) return;
    done = true;
    await cleanup().catch(() => {});
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      child.kill(signal);
      void finish(0);
    });
  }
  child.on("exit", (code) => void finish(code ?? 0));
}
