/** Runs once per server start: migrate the database (and seed demo accounts in development). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { prepareDatabase } = await import("./db/prepare");
  await prepareDatabase();
}
