import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_WEBHOOK_SECRET } from "stripe-emulator";
import { EMULATOR_URL, TEST_PASSWORD, expect, signOut, signUp, test, uniqueEmail } from "./helpers";
import { startSmtpCapture } from "../helpers/smtp";
import { startSecondApp } from "./second-app";

/**
 * Issue 18, item 15: forgot password → the emailed link → a new password → sign in, in Chromium
 * against the production build. The mail really goes out over SMTP: a second `next start` of the
 * build sends to an SMTP server this test runs, and the link is read from the received message.
 */
test.describe("password reset by email", () => {
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  let app: Awaited<ReturnType<typeof startSecondApp>>;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    smtp = await startSmtpCapture();
    app = await startSecondApp({
      DATABASE_URL: "",
      PGLITE_DIR: path.join(mkdtempSync(path.join(tmpdir(), "billing-reset-")), "pglite"),
      SMTP_URL: smtp.url,
      STRIPE_EMULATOR_URL: EMULATOR_URL,
      STRIPE_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
    });
  });
  test.afterAll(async () => {
    app?.stop();
    await smtp?.close();
  });

  /** The reset link in the last message to `email` (quoted-printable soft breaks undone). */
  async function resetLinkFor(email: string): Promise<string> {
    let link: string | undefined;
    await expect
      .poll(
        () => {
          const message = smtp.received.filter((m) => m.to === email && /Subject: Reset your password/.test(m.data)).at(-1);
          const text = message?.data.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
          link = text ? /(http:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(text)?.[1] : undefined;
          return link;
        },
        { timeout: 15_000 },
      )
      .toBeTruthy();
    return link!;
  }

  test("forgot password → emailed link → new password → sign in with it; the link works once", async ({ browser }) => {
    test.setTimeout(90_000);
    const context = await browser.newContext({ baseURL: app.url });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      // The deliberate refusals below (a reused link, the old password) are logged by Chromium as 400/401.
      if (m.type() === "error" && !/status of (400|401) /.test(m.text())) errors.push(m.text());
    });
    try {
      const email = uniqueEmail("reset");
      const newPassword = "lilac ferry 7 compass";
      await signUp(page, email);
      await signOut(page);

      // From sign-in, the "Forgot your password?" link.
      await page.goto("/sign-in");
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await expect(page).toHaveURL(/\/forgot-password$/);
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Email me a reset link" }).click();
      await expect(page.getByTestId("reset-requested")).toContainText(`If ${email} has an account, we emailed it a link`);
      // An unknown address gets the very same answer (and no email).
      await page.goto("/forgot-password");
      await page.getByLabel("Email").fill("nobody-at-all@example.com");
      await page.getByRole("button", { name: "Email me a reset link" }).click();
      await expect(page.getByTestId("reset-requested")).toContainText("If nobody-at-all@example.com has an account, we emailed it a link");

      const link = await resetLinkFor(email);
      expect(new URL(link).origin).toBe(app.url);
      expect(smtp.received.some((m) => m.to === "nobody-at-all@example.com")).toBe(false);

      await page.goto(link);
      await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
      // The token leaves the address bar once the page has it.
      await expect(page).toHaveURL(/\/reset-password$/);
      await page.getByLabel("New password").fill("short");
      await page.getByRole("button", { name: "Set new password" }).click();
      await expect(page.getByTestId("form-error")).toContainText("at least 10 characters");
      await page.getByLabel("New password").fill(newPassword);
      await page.getByRole("button", { name: "Set new password" }).click();
      await expect(page.getByTestId("password-reset-done")).toBeVisible();

      // Sign in with the new password; the old one no longer works.
      await page.getByRole("link", { name: "Sign in" }).last().click();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(TEST_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByTestId("form-error")).toHaveText("Invalid email or password.");
      await page.getByLabel("Password").fill(newPassword);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByTestId("signed-in-user")).toHaveText(email);
      // Following the link proved the address.
      expect(await (await page.request.get("/api/me")).json()).toMatchObject({ user: { email, emailVerified: true } });

      // The link works once.
      await page.goto(link);
      await page.getByLabel("New password").fill("another lilac 8 ferry");
      await page.getByRole("button", { name: "Set new password" }).click();
      await expect(page.getByTestId("form-error")).toContainText("invalid, expired or already used");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
