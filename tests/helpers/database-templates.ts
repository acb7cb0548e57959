import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "@/db/client";
import { createScratchDatabase } from "@/scripts/lib/scratch-database";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PGlite data directory with every migration applied (a tarball path), made once per run. */
    pgliteTemplate: string | null;
    /** A Postgres database on DATABASE_URL's server with every migration applied, made once per run. */
    postgresTemplate: string | null;
  }
}

/**
 * Migrates one PGlite database and one Postgres database at the start of the run; every suite's
 * database (tests/helpers/db.ts `createTestDatabase`) is a copy of them. A PGlite initdb costs about
 * 4 s of CPU and a hundred suites open one each; loading a migrated data directory costs about 1.5 s.
 * The copies are exactly what migrating produces, because they are made by migrating, in this run:
 * nothing is cached between runs. tests/integration/migrations.test.ts still migrates from empty.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "billing-templates-"));
  const pglite = await openDatabase({ pgliteDir: "memory://" });
  await pglite.migrate();
  const tarball = path.join(dir, "pglite.tar");
  writeFileSync(tarball, Buffer.from(await (await pglite.dumpDataDir!()).arrayBuffer()));
  await pglite.close();
  project.provide("pgliteTemplate", tarball);

  const serverUrl = process.env.DATABASE_URL;
  let dropPostgres: (() => Promise<void>) | null = null;
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl, "template");
    const handle = await openDatabase({ url: scratch.url, max: 1 });
    await handle.migrate();
    await handle.close();
    project.provide("postgresTemplate", new URL(scratch.url).pathname.slice(1));
    dropPostgres = scratch.drop;
  } else {
    project.provide("postgresTemplate", null);
  }

  return async () => {
    await dropPostgres?.();
    rmSync(dir, { recursive: true, force: true });
  };
}
