import { randomBytes } from "node:crypto";
import postgres from "postgres";

export interface ScratchDatabase {
  /** postgres:// URL of the new, empty database. */
  url: string;
  /** Drops it (closing every connection to it) and closes the admin connection. */
  drop(): Promise<void>;
}

/**
 * A throwaway database on the server at `serverUrl` (tests, the e2e server, benchmarks), so a run
 * never touches data it did not create and leaves nothing behind. `template` names a database
 * to copy; nothing may be connected to it while it is copied.
 */
export async function createScratchDatabase(
  serverUrl: string,
  prefix: string,
  options: { template?: string } = {},
): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  // A template is copied as it is (tests: a database with every migration applied, made once per run).
  await admin.unsafe(`create database "${name}"${options.template ? ` template "${options.template}"` : ""}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
      await admin.end();
    },
  };
}
