/**
 * The guardrails that keep the layers apart and the test commands honest (README "Guardrails"):
 * the import-boundary lint rules of eslint.config.mjs fire on each forbidden import, and the npm
 * scripts and the opt-in pre-commit hook are what the README says.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const BOUNDARY_RULES = new Set(["import/no-restricted-paths", "@typescript-eslint/no-restricted-imports"]);

describe("import boundaries (eslint.config.mjs)", () => {
  const eslint = new ESLint();
  /** The boundary rules a file at `filePath` holding `code` breaks. */
  const broken = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return result.messages.map((m) => m.ruleId).filter((rule): rule is string => rule !== null && BOUNDARY_RULES.has(rule));
  };

  it("forbids lib → app/components, components → app, db and env → the app, the emulator → the app, app/components → db values", async () => {
    const cases: Array<[string, string]> = [
      ["lib/billing/probe.ts", 'import { dynamic } from "@/app/api/billing/usage-alerts/route";\nexport const x = dynamic;\n'],
      ["lib/billing/probe.ts", 'import { Alert } from "../../components/ui";\nexport const x = Alert;\n'],
      ["db/probe.ts", 'import { logger } from "@/lib/logger";\nexport const x = logger;\n'],
      ["db/probe.ts", 'import { AppError } from "../lib/errors";\nexport const x = AppError;\n'],
      ["env/probe.ts", 'import { logger } from "@/lib/logger";\nexport const x = logger;\n'],
      ["components/probe.tsx", 'import { metadata } from "@/app/pricing/page";\nexport const x = metadata;\n'],
      ["packages/stripe-emulator/src/probe.ts", 'import { AppError } from "../../../lib/errors";\nexport const x = AppError;\n'],
      ["app/probe/page.tsx", 'import { getDb } from "@/db/client";\nexport const x = getDb;\n'],
      ["components/probe.tsx", 'import { users } from "../db/schema";\nexport const x = users;\n'],
    ];
    for (const [file, code] of cases) expect(await broken(file, code), `${file}: ${code.split("\n")[0]}`).toHaveLength(1);
  });

  it("allows the layers' own direction, and types from db/ anywhere", async () => {
    expect(await broken("lib/billing/probe.ts", 'import { getDb } from "@/db/client";\nexport const x = getDb;\n')).toEqual([]);
    expect(
      await broken(
        "app/probe/page.tsx",
        'import { usageAlertsForUser } from "@/lib/billing/usage-alerts";\nexport const x = usageAlertsForUser;\n',
      ),
    ).toEqual([]);
    expect(
      await broken(
        "components/probe.tsx",
        'import type { MembershipRole } from "@/db/schema";\nexport const x: MembershipRole = "owner";\n',
      ),
    ).toEqual([]);
  });
});

describe("npm scripts and the pre-commit hook", () => {
  const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;

  it("test:unit runs only the unit tests, test:watch watches them, npm test runs the whole Vitest suite", () => {
    expect(scripts["test:unit"]).toBe("vitest run --project unit");
    expect(scripts["test:watch"]).toBe("vitest --project unit");
    expect(scripts["test:vitest"]).toBe("vitest run");
    const sideBySide = Object.values(scripts).filter((command) => command.includes("side-by-side.ts"));
    expect(sideBySide.filter((command) => / test:vitest\b/.test(command))).toHaveLength(1);
    expect(sideBySide.filter((command) => / test:unit\b/.test(command))).toEqual([]);
  });

  it("ships an executable pre-commit hook that nothing installs on its own", () => {
    accessSync(".githooks/pre-commit", constants.X_OK);
    expect(readFileSync(".githooks/pre-commit", "utf8")).toContain("npm run --silent test:unit");
    expect(Object.values(scripts).filter((command) => /hooksPath|husky|simple-git-hooks/.test(command))).toEqual([]);
  });
});
