import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildRouter } from "../routes";
import { normalizePath } from "./paths";
import type { SchemaFile } from "./types";

export const SCHEMA_FILE = join(__dirname, "endpoints.generated.json");

/** The emulator's routes as schema keys (`POST /v1/customers/{}`). */
export function routeKeys(): string[] {
  return [
    ...new Set(
      buildRouter()
        .list()
        .map((r) => {
          const [m, p] = r.split(" ");
          return `${m} ${normalizePath(p)}`;
        }),
    ),
  ];
}

let cached: SchemaFile | null = null;

export function loadSchema(): SchemaFile {
  cached ??= JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as SchemaFile;
  return cached;
}
