/**
 * Settings the browser sees: Next.js replaces each literal `process.env.NAME` below with its value
 * when it builds (next.config.ts `env`, and NEXT_PUBLIC_* variables), so they must be read exactly
 * like this, and only here (env/index.ts is the server's environment and is server-only).
 */

/** `SUPPORT_EMAIL` as it was when the app was built, for app/global-error.tsx (which renders without the root layout). */
export const SUPPORT_EMAIL_AT_BUILD: string | undefined = process.env.SUPPORT_EMAIL_AT_BUILD || undefined;
