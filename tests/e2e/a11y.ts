import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * Fails on any serious or critical axe violation (WCAG 2.1 A/AA rules), then saves a full-page
 * screenshot under test-results/screens/ for a person to look at (not on CI: see `screenshot`).
 */
export async function expectAccessible(page: Page, name: string) {
  await page.waitForLoadState("networkidle");
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  await screenshot(page, name);
  expect(blocking, `axe violations on ${name}`).toEqual([]);
}

/**
 * A full-page screenshot of the screen, for a person to look through after a local run. On CI
 * nobody looks and the runner keeps no artifacts, so it is skipped there (each one costs the
 * browser a full-page render and a PNG encode on a busy machine) unless E2E_SCREENSHOTS=1.
 */
export async function screenshot(page: Page, name: string) {
  if (process.env.CI && process.env.E2E_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

/** The page itself never scrolls sideways (tables scroll inside their own region). */
export async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, "horizontal overflow in px").toBeLessThanOrEqual(0);
}
