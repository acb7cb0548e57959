import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../scripts/lib/processes";
import { runNext } from "../../scripts/lib/spawn-next";

/**
 * Another `next start` of the e2e build, on a free loopback port with an environment of its own
 * (a Stripe that is not there, a database a test stops), for the faults the shared e2e server must
 * not suffer. Resolves once its /api/health answers 200; `stop()` ends it. `npmStart` runs it as
 * `npm start` does (package.json's script, e.g. its keep-alive), in a process group of its own.
 * `untilHealthy: false` resolves as soon as it is spawned (a test of start-up itself); `child` is
 * the spawned process (a test that signals it).
 */
export async function startSecondApp(
  env: Record<string, string>,
  options: { npmStart?: boolean; untilHealthy?: boolean } = {},
): Promise<{ url: string; stop: () => void; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const childEnv = {
    ...process.env,
    NODE_ENV: "production" as const,
    NEXTAUTH_URL: url,
    APP_URL: url,
    NEXTAUTH_SECRET: "e2e-second-app-secret",
    SEED_DEMO_ACCOUNTS: "false",
    BCRYPT_ROUNDS: "4",
    LOG_LEVEL: "silent",
    ...env,
  };
  const args = ["--port", String(port), "--hostname", "127.0.0.1"];
  const child = options.npmStart
    ? spawn("npm", ["start", "--", ...args], { env: childEnv, stdio: "ignore", detached: true })
    : runNext(["start", ...args], childEnv);
  const stop = () => {
    if (options.npmStart && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL"); // npm, its shell and next start
      } catch {
        // already gone
      }
    } else child.kill("SIGKILL");
  };
  if (options.untilHealthy === false) return { url, stop, child };
  const until = Date.now() + 90_000;
  for (;;) {
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { url, stop, child };
    if (child.exitCode !== null || Date.now() > until) {
      stop();
      throw new Error(`the second next start on ${url} did not become healthy (last status ${status})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
