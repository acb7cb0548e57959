import type { Page } from "@playwright/test";
import { expect, signIn, signUp, subscribeToPro, test, uniqueEmail } from "./helpers";

// The seeded demo user: its address is verified, which accepting an invitation requires (the
// invitee proves the address the invitation was sent to).
const MEMBER = { email: "demo@example.com", password: "demo-password-1" };

/** Opens the header's account switcher and picks `name` ("Personal" for the user's own account). */
async function switchTo(page: Page, name: string) {
  await page.getByRole("button", { name: /Switch account/ }).click();
  await page
    .getByRole("list", { name: "Accounts" })
    .getByRole("button", { name: new RegExp(`^${name}`) })
    .click();
  await expect(page.getByTestId("current-account")).toHaveText(name);
}

test("an organization: the owner creates it and invites; the member joins, sees plan and usage but no billing controls, and runs jobs on the organization's plan", async ({
  page,
  browser,
  consoleErrors,
}) => {
  test.setTimeout(180_000);
  // The member first opens an invitation sent to another address: refused, and said so.
  consoleErrors.allow(/status of 403 .*\/api\/orgs\/invitations\/accept\)$/);
  const org = `Acme ${Date.now().toString(36)}`;

  // The owner creates the organization from the header's switcher and lands on its settings.
  await signUp(page, uniqueEmail("org-owner"));
  await page.getByRole("button", { name: /Switch account/ }).click();
  await page.getByLabel("New organization").fill(org);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/organization$/);
  await expect(page.getByTestId("current-account")).toHaveText(org);
  await expect(page.getByTestId("organization-heading")).toContainText(`${org} · you are an owner`);

  // Invite the member; the link comes back to copy (and is emailed).
  await page.getByLabel("Email address").fill(MEMBER.email);
  await page.getByLabel("Role", { exact: true }).selectOption("member");
  await page.getByRole("button", { name: "Send invitation" }).click();
  const link = (await page.getByTestId("invitation-link").textContent())!;
  expect(link).toMatch(/\/invitations\/accept\?token=[A-Za-z0-9_-]+$/);
  await expect(page.getByTestId("invitation-row")).toContainText(MEMBER.email);
  await page.getByLabel("Email address").fill(uniqueEmail("someone-else"));
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByTestId("invitation-row")).toHaveCount(2);
  const otherLink = (await page.getByTestId("invitation-link").textContent())!;
  const path = (url: string) => new URL(url).pathname + new URL(url).search;

  // The member signs in (another browser), opens the link and accepts.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  try {
    await signIn(member, MEMBER.email, MEMBER.password);
    await member.goto("/dashboard");
    const personalJobs = await member.getByTestId("jobs-used").textContent();
    await member.goto(path(otherLink));
    await member.getByRole("button", { name: `Accept invitation to ${org} as member` }).click();
    await expect(member.getByTestId("accept-error")).toContainText(
      `This invitation was sent to another email address, and you are signed in as ${MEMBER.email}.`,
    );
    await member.goto(path(link));
    await member.getByRole("button", { name: `Accept invitation to ${org} as member` }).click();
    await expect(member).toHaveURL(/\/dashboard$/);
    await expect(member.getByTestId("current-account")).toHaveText(org);
    await expect(member.getByTestId("jobs-account")).toContainText(`counts against the ${org} organization's plan`);
    await member.getByRole("button", { name: /Switch account/ }).click();
    await expect(member.getByRole("list", { name: "Accounts" }).getByRole("button", { name: new RegExp(`^${org}`) })).toContainText(
      "Member",
    );
    await member.keyboard.press("Escape");
    // The link works once.
    await member.goto(path(link));
    await expect(member.getByTestId("invitation-state")).toHaveText(/already used/);

    // Plan and usage, no billing controls.
    await member.goto("/billing");
    await expect(member.getByTestId("current-plan")).toHaveText("Free");
    await expect(member.getByTestId("member-billing-note")).toHaveText("Only owners and admins manage billing.");
    await expect(member.getByRole("heading", { name: "Usage this period" })).toBeVisible();
    for (const heading of ["Change plan", "API keys", "Invoices"])
      await expect(member.getByRole("heading", { name: heading })).toHaveCount(0);
    for (const button of ["Manage billing", "Cancel subscription"])
      await expect(member.getByRole("button", { name: button })).toHaveCount(0);
    await expect(member.getByRole("link", { name: "See plans" })).toHaveCount(0);
    // Nor can they buy a plan for it on /pricing: they are told so.
    await member.goto("/pricing");
    await expect(member.getByTestId("member-cannot-buy")).toContainText(
      `You are a member of ${org}: only its owners and admins can buy a plan for it.`,
    );
    await expect(member.getByRole("button", { name: "Choose Pro" })).toBeDisabled();

    // The owner subscribes the organization (the selected account) through Checkout.
    await subscribeToPro(page);
    await page.goto("/billing");
    await expect(page.getByTestId("current-plan")).toHaveText("Pro");
    await expect(page.getByTestId("meter-jobs-text")).toHaveText("0 / 500 jobs (0%)");

    // The member now sees the organization's plan, and a job they run counts against it.
    await member.goto("/billing");
    await expect(member.getByTestId("current-plan")).toHaveText("Pro");
    await member.goto("/dashboard");
    await expect(member.getByTestId("jobs-used")).toHaveText("0 of 500 jobs used");
    await member.getByRole("button", { name: "Run a job" }).click();
    await expect(member.getByTestId("jobs-used")).toHaveText("1 of 500 jobs used");
    await page.reload();
    await expect(page.getByTestId("meter-jobs-text")).toHaveText("1 / 500 jobs (0%)");

    // The member's own account is untouched.
    await switchTo(member, "Personal");
    await expect(member.getByTestId("jobs-used")).toHaveText(personalJobs!);
  } finally {
    await memberContext.close();
  }
});
