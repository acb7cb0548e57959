import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "../../scripts/lib/processes";
import { expect, test } from "./helpers";

/**
 * `npm run cluster` as a person runs it: it prints the balancer's URL and the demo accounts, a
 * customer signs in and subscribes through the balancer (pages, the checkout return and the
 * emulator's webhooks land on whichever instance is next), and Ctrl-C stops every process it started.
 * Reuses the e2e run's build (.next), like `npm run cluster` does when one exists.
 */
test.describe.configure({ mode: "serial" });

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("npm run cluster: two instances behind HAProxy and PgBouncer; a customer signs in and subscribes through the balancer; Ctrl-C stops everything", async ({
  page,
}) => {
  test.setTimeout(240_000);
  const port = await freePort();
  let output = "";
  // Its own process group, so Ctrl-C can be sent as a terminal sends it: to the whole group.
  const command: ChildProcess = spawn("npm", ["run", "cluster"], {
    env: { ...process.env, PORT: String(port), CLUSTER_INSTANCES: "2", CLUSTER_BUILD: "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  command.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  command.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) => command.once("exit", (code, signal) => resolve(`exited (${signal ?? code})`)));
  try {
    await expect
      .poll(() => output, { timeout: 180_000, message: "npm run cluster prints 'Cluster ready'" })
      .toContain("Ctrl-C stops everything");
    const url = /Cluster ready: (http:\/\/\S+)/.exec(output)?.[1];
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const pids = [...output.matchAll(/instance \d+: http:\/\/127\.0\.0\.1:(\d+)\s+pid (\d+)/g)].map((m) => ({
      port: Number(m[1]),
      pid: Number(m[2]),
    }));
    expect(pids).toHaveLength(2);
    const postgresPort = Number(/Postgres \(direct\): postgres:\/\/[^@]+@127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    const poolerPort = Number(/PgBouncer \(transaction mode\): postgres:\/\/[^@]+@127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    expect(output).toContain("demo@example.com  /  demo-password-1");

    const health = (await (await fetch(`${url}/api/health`)).json()) as { ok: boolean; database: { kind: string } };
    expect(health).toMatchObject({ ok: true, database: { kind: "postgres" } });

    // The printed demo account, through the balancer; then Pro through the emulator's Checkout.
    await page.goto(`${url}/sign-in`);
    await page.getByLabel("Email").fill("demo@example.com");
    await page.getByLabel("Password").fill("demo-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-user")).toHaveText("demo@example.com");
    // Round-robin: consecutive page loads go to different instances; the session holds on each.
    for (let i = 0; i < 4; i += 1) {
      await page.goto(`${url}/dashboard`);
      await expect(page.getByTestId("signed-in-user")).toHaveText("demo@example.com");
    }
    await page.goto(`${url}/pricing`);
    await page.getByRole("button", { name: "Choose Pro" }).click();
    await expect(page).toHaveURL(/\/checkout\/cs_/);
    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByLabel("Expiration").fill("12 / 34");
    await page.getByLabel("CVC").fill("123");
    await page.getByLabel("Name on card").fill("Cluster Payer");
    await page.getByRole("button", { name: /^(Pay|Start trial)$/ }).click();
    await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
    await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro");

    // Ctrl-C: every process it started is gone, and so are its ports. (Leave the page first: its
    // prefetches would find the server gone.)
    await page.goto("about:blank");
    process.kill(-command.pid!, "SIGINT");
    // npm re-raises the SIGINT it got (a terminal shows "exited (SIGINT)"); the cluster itself stops cleanly.
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 30_000))])).toMatch(
      /^exited \((0|SIGINT)\)$/,
    );
    expect(output).toContain("stopping the cluster…");
    expect(output).not.toContain("✖ npm run cluster stopped");
    for (const { pid, port: instancePort } of pids) {
      expect(alive(pid), `instance pid ${pid}`).toBe(false);
      expect(await listening(instancePort)).toBe(false);
    }
    for (const p of [port, postgresPort, poolerPort]) expect(await listening(p), `port ${p}`).toBe(false);
  } finally {
    if (command.exitCode === null && command.signalCode === null) {
      process.kill(-command.pid!, "SIGKILL");
      console.log(output);
    }
  }
});
