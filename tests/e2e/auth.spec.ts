import { TEST_PASSWORD, expect, signIn, signOut, signUp, test, uniqueClientIp, uniqueEmail } from "./helpers";

test("sign up, sign out, sign in: the header shows who is signed in", async ({ page }) => {
  const email = uniqueEmail("auth");
  await signUp(page, email);
  await expect(page).toHaveURL(/\/billing$/);
  await signOut(page);
  await expect(page.getByTestId("signed-in-user")).toHaveCount(0);
  await signIn(page, email);
});

test("a wrong password shows a generic error and does not sign in", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 401 .*\/api\/auth\/callback\/credentials\)$/);
  const email = uniqueEmail("wrongpw");
  await signUp(page, email);
  await signOut(page);
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(`${TEST_PASSWORD}-nope`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("Invalid email or password.");
  await expect(page.getByTestId("signed-in-user")).toHaveCount(0);
});

test("sign-up rejects a weak password clearly, and answers a taken email without revealing it", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 400 .*\/api\/account\)$/);
  // A taken email: the page tries to sign in as for a new account, and that sign-in is refused.
  consoleErrors.allow(/status of 401 .*\/api\/auth\/callback\/credentials\)$/);
  const email = uniqueEmail("weak");
  await page.goto("/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByTestId("form-error")).toContainText("at least 10 characters");

  await signUp(page, email);
  await signOut(page);
  await page.goto("/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("someone-elses-pass-9");
  await page.getByRole("button", { name: "Sign up" }).click();
  // The same answer a new address gets when sign-in cannot follow; the owner is emailed instead.
  await expect(page.getByTestId("form-error")).toContainText("Check your email to continue");
  await expect(page.getByTestId("signed-in-user")).toHaveCount(0);
});

test("a signed-out visit to /billing goes to sign-in and back after it", async ({ page }) => {
  const email = uniqueEmail("redirect");
  await signUp(page, email);
  await signOut(page);
  await page.goto("/billing");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fbilling/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByRole("heading", { name: "Billing", exact: true })).toBeVisible();
});

test("a non-admin gets 403 on /admin; an admin gets in", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 403 .*\/admin\)$/);
  await signUp(page, uniqueEmail("nonadmin"));
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: /403/ })).toBeVisible();

  await signOut(page);
  await signIn(page, "admin@example.com", "admin-password-1");
  const adminResponse = await page.goto("/admin");
  expect(adminResponse?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Admin", exact: true })).toBeVisible();
});

test("protected API routes answer 401 JSON, not an HTML page", async ({ request }) => {
  const res = await request.get("/api/me");
  expect(res.status()).toBe(401);
  expect(res.headers()["content-type"]).toContain("application/json");
  expect(await res.json()).toMatchObject({ error: "unauthorized" });
});

test("an admin signing in without a return path lands on /admin; an explicit return path still wins", async ({ page }) => {
  await page.context().setExtraHTTPHeaders({ "x-forwarded-for": uniqueClientIp() });
  await signIn(page, "admin@example.com", "admin-password-1");
  await expect(page).toHaveURL(/\/admin$/);
  await signOut(page);
  // An explicit return path still wins.
  await page.goto(`/sign-in?callbackUrl=${encodeURIComponent("/pricing")}`);
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("admin-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText("admin@example.com");
  await expect(page).toHaveURL(/\/pricing$/);
});

test("sign-up started from the quota prompt on /dashboard comes back to /dashboard, also through the sign-in link", async ({
  page,
  consoleErrors,
}) => {
  consoleErrors.allow(/status of 402 .*\/api\/demo\/jobs\)$/);
  await page.context().setExtraHTTPHeaders({ "x-forwarded-for": uniqueClientIp() });
  await page.goto("/dashboard");
  for (let i = 1; i <= 3; i += 1) {
    await page.getByRole("button", { name: "Run a job" }).click();
    await expect(page.getByTestId("jobs-used")).toHaveText(`${i} of 3 jobs used`);
  }
  await page.getByRole("button", { name: "Run a job" }).click();
  await page.getByTestId("quota-exceeded").getByRole("link", { name: "Sign up to keep going" }).click();
  await expect(page).toHaveURL(/\/sign-up\?callbackUrl=%2Fdashboard$/);
  // The sign-in link on the sign-up page carries the return path too.
  await expect(page.getByRole("main").getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/sign-in?callbackUrl=%2Fdashboard");
  const email = uniqueEmail("from-quota");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(email);
  await expect(page).toHaveURL(/\/dashboard$/);
  // The guest's three runs came along to the new account.
  await expect(page.getByTestId("jobs-used")).toHaveText("3 of 5 jobs used");
});
