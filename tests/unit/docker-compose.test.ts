import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { clusterInstanceEnv } from "@/scripts/lib/cluster";
import { haproxyConfig } from "@/scripts/lib/haproxy";

/**
 * docker-compose.yml describes the topology `npm run cluster` runs and the tests exercise (no Docker
 * engine runs here): app replicas behind HAProxy with the same balancing and health checks,
 * PgBouncer in transaction mode with DATABASE_POOLER=transaction and a direct URL for migrations,
 * Postgres, the emulator delivering to the balancer, one cron runner. This keeps the two in step.
 */
interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const appEnv = services.app.environment ?? {};
const haproxyCfg = readFileSync("docker/haproxy.cfg", "utf8");
const pgbouncerIni = readFileSync("docker/pgbouncer.ini", "utf8");
const dockerfile = readFileSync("Dockerfile", "utf8");
const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith(";"));

describe("docker-compose.yml: the cluster's topology", () => {
  it("has Postgres, PgBouncer, the emulator, the catalog sync, app replicas, the balancer and one cron runner", () => {
    expect(Object.keys(services).sort()).toEqual(["app", "balancer", "cron", "emulator", "pgbouncer", "postgres", "stripe-setup"]);
    expect(services.app.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // Replicas publish no host port (they could not share one): only the balancer does.
    expect(services.app.ports).toBeUndefined();
    expect(services.balancer.ports).toEqual(["3000:3000"]);
    expect(services.balancer.image).toMatch(/^haproxy:/);
    expect(services.cron.command).toEqual(["npm", "run", "cron"]);
  });

  it("gives the app (and the cron runner) every variable the cluster gives an instance, through PgBouncer in transaction mode", () => {
    const clusterEnv = clusterInstanceEnv({
      url: "http://balancer",
      databaseUrl: "postgres://u@db/x",
      pooledUrl: "postgres://u@pooler/x",
      emulatorUrl: "http://emulator",
      webhookSecret: "whsec_x",
    });
    // Process-level settings the images set themselves, and ones the demo leaves at their defaults.
    const notNeeded = new Set(["NODE_ENV", "NEXT_TELEMETRY_DISABLED", "LOG_LEVEL", "INTERNAL_API_KEY", "SEED_DEMO_ACCOUNTS"]);
    for (const key of Object.keys(clusterEnv).filter((k) => !notNeeded.has(k))) {
      expect(appEnv, key).toHaveProperty(key);
      expect(services.cron.environment, key).toHaveProperty(key);
    }
    expect(appEnv.DATABASE_POOLER).toBe("transaction");
    const pooled = new URL(appEnv.DATABASE_URL);
    const direct = new URL(appEnv.DATABASE_URL_DIRECT);
    expect(pooled.hostname).toBe("pgbouncer");
    expect(pooled.port).toBe("6432");
    expect(direct.hostname).toBe("postgres");
    // The same database and role both ways.
    expect([pooled.pathname, pooled.username, pooled.password]).toEqual([direct.pathname, direct.username, direct.password]);
    expect(direct.pathname).toBe(`/${services.postgres.environment?.POSTGRES_DB}`);
    expect(direct.username).toBe(services.postgres.environment?.POSTGRES_USER);
    // The browser reaches the app through the balancer's published port.
    expect(new URL(appEnv.NEXTAUTH_URL).port).toBe("3000");
    expect(appEnv.APP_URL).toBe(appEnv.NEXTAUTH_URL);
  });

  it("has the emulator deliver webhooks to the balancer, signed with the app's secret", () => {
    const emulator = services.emulator.environment ?? {};
    expect(new URL(emulator.STRIPE_WEBHOOK_URL).hostname).toBe("balancer");
    expect(new URL(emulator.STRIPE_WEBHOOK_URL).pathname).toBe("/api/billing/webhook");
    expect(emulator.STRIPE_WEBHOOK_SECRET).toBe(appEnv.STRIPE_WEBHOOK_SECRET);
    expect(new URL(appEnv.STRIPE_EMULATOR_URL).hostname).toBe("emulator");
  });

  it("balances as the cluster's HAProxy does: round-robin, the same health check, timeouts and redispatch", () => {
    expect(services.balancer.volumes).toContain("./docker/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
    const tested = lines(haproxyConfig({ port: 1, backends: [], healthPath: "/api/health", adminSocket: "/x" }));
    const composed = new Set(lines(haproxyCfg));
    const shared = tested.filter((l) => !/^(global|maxconn|stats socket|bind|frontend|backend|defaults|server )/.test(l));
    expect(shared.length).toBeGreaterThan(10);
    for (const line of shared) expect(composed, line).toContain(line);
    // Every replica, found through Docker's DNS.
    expect(haproxyCfg).toMatch(/server-template app \d+ app:3000 check resolvers docker/);
  });

  it("runs PgBouncer in transaction mode in front of the compose Postgres, built from Debian's package like the tested one", () => {
    const ini = lines(pgbouncerIni);
    expect(ini).toContain("pool_mode = transaction");
    expect(ini).toContain("ignore_startup_parameters = extra_float_digits,options");
    // As scripts/lib/pgbouncer.ts: back within a second of a Postgres restart (tests/integration/pgbouncer-recovery.test.ts).
    expect(ini).toContain("server_login_retry = 1");
    const database = new URL(appEnv.DATABASE_URL).pathname.slice(1);
    expect(ini).toContain(`${database} = host=postgres port=5432 dbname=${database}`);
    expect(readFileSync("docker/pgbouncer-userlist.txt", "utf8").trim()).toBe(
      `"${new URL(appEnv.DATABASE_URL).username}" "${new URL(appEnv.DATABASE_URL).password}"`,
    );
    expect(services.pgbouncer.build).toEqual({ context: ".", target: "pgbouncer" });
    expect(dockerfile).toMatch(
      /FROM debian:bookworm-slim AS pgbouncer\nRUN apt-get update && apt-get install -y --no-install-recommends pgbouncer/,
    );
  });
});
