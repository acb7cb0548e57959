import { existsSync } from "node:fs";
import path from "node:path";
import { createVitest } from "vitest/node";
import { describe, expect, it } from "vitest";
import { SLOWEST_FILES } from "../helpers/sequencer";

describe("the Vitest file order (tests/helpers/sequencer.ts)", () => {
  it("names files that exist", () => {
    for (const file of SLOWEST_FILES) expect(existsSync(path.join(process.cwd(), file)), file).toBe(true);
  });

  it("starts the slowest files first, in their order, and runs every other file after them", async () => {
    const vitest = await createVitest(
      "test",
      { watch: false, config: "vitest.config.ts" },
      {},
      { stdout: process.stdout, stderr: process.stderr },
    );
    try {
      const specifications = await vitest.globTestSpecifications();
      const sequencer = new vitest.config.sequence.sequencer(vitest);
      const order = (await sequencer.sort(specifications)).map((spec) => path.relative(process.cwd(), spec.moduleId));
      expect(order.slice(0, SLOWEST_FILES.length)).toEqual(SLOWEST_FILES);
      expect([...order].sort()).toEqual(specifications.map((spec) => path.relative(process.cwd(), spec.moduleId)).sort());
    } finally {
      await vitest.close();
    }
  });
});
