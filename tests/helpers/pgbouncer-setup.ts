import type { TestProject } from "vitest/node";
import { pgbouncerAvailable, startPgBouncer } from "@/scripts/lib/pgbouncer";

declare module "vitest" {
  export interface ProvidedContext {
    /** PgBouncer in transaction mode in front of DATABASE_URL's server, when both are available. */
    pgbouncerPort: number | null;
  }
}

/**
 * One PgBouncer in transaction pooling mode for the whole run, in front of the Postgres server at
 * DATABASE_URL: the "pgbouncer" database kind (tests/helpers/db.ts) runs tests through it, as a
 * deployment behind PgBouncer, Supavisor or Neon's pooler does.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl || !pgbouncerAvailable()) {
    project.provide("pgbouncerPort", null);
    return;
  }
  const bouncer = await startPgBouncer(serverUrl, { poolSize: 20 });
  project.provide("pgbouncerPort", bouncer.port);
  return () => bouncer.stop();
}
