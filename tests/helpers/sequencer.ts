import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that take longest, slowest first, with their time in the last CI run (seconds, one worker).
 * CI runs on a fresh clone, where Vitest has no durations from earlier runs and starts the largest
 * files first; these are not the largest (webhook.test.ts was 14th, subscription-state-machine 24th,
 * first-run 32nd of 90), so they started half-way through and ran on alone at the end while the other
 * worker sat idle. Started first, they run beside all the short files instead.
 */
export const SLOWEST_FILES = [
  "tests/integration/webhook.test.ts", // 720 event orders on PGlite, samples on Postgres and PgBouncer
  "tests/integration/subscription-state-machine.test.ts", // 92 s
  "tests/first-run/first-run.test.ts", // 91 s: `npm run dev` on a fresh copy
];

/** Vitest's own order (durations from earlier runs when it has them, else the largest files first), the slowest files moved to the front. */
export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = SLOWEST_FILES.findIndex((slow) => file.moduleId.endsWith(`/${slow}`));
      return index === -1 ? SLOWEST_FILES.length : index;
    };
    // Array.prototype.sort is stable: every other file keeps Vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
