import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatSchema, generateSchema } from "../src/schema/generate";
import { SCHEMA_FILE, routeKeys } from "../src/schema/load";
import { SUPPORTED_PARAMS } from "../src/schema/supported";
import { schemaDefines } from "../src/schema/validate";

describe("the emulator parameter schema", () => {
  it("is what the installed stripe package generates (run `npm run emulator:schema` after an SDK upgrade)", () => {
    const regenerated = formatSchema(generateSchema(routeKeys()));
    expect(regenerated === readFileSync(SCHEMA_FILE, "utf8"), "src/schema/endpoints.generated.json is stale").toBe(true);
  });

  it("lists what the emulator implements for every route it serves, and only parameters Stripe defines", () => {
    expect(Object.keys(SUPPORTED_PARAMS).sort()).toEqual(routeKeys().sort());
    const undefinedPaths = Object.entries(SUPPORTED_PARAMS).flatMap(([endpoint, paths]) =>
      paths
        .filter((entry) => {
          const [path, values] = entry.split("=");
          return !schemaDefines(endpoint, path, values ? values.split("|") : []);
        })
        .map((p) => `${endpoint}: ${p}`),
    );
    expect(undefinedPaths).toEqual([]);
  });
});
