import type { NextConfig } from "next";

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules, not bundled.
  // stripe: one copy of the SDK for every server chunk (one client, one set of error classes);
  // rate-limiter-flexible: loads drizzle-orm at run time, which only Node resolution can do.
  serverExternalPackages: ["@electric-sql/pglite", "pino", "bcryptjs", "stripe", "rate-limiter-flexible"],
  // Migrations are read from disk at start-up, so serverless bundles must include them.
  outputFileTracingIncludes: { "/**": ["./db/migrations/**/*"] },
  // Pages read no request body, yet Next copies the body of every request the proxy sees (pages
  // with a body pass through it for their CSP, see proxy.ts): keep at most this much of one.
  experimental: { authInterrupts: true, proxyClientMaxBodySize: "16kb" },
  poweredByHeader: false,
  // app/global-error.tsx renders without the root layout, so it cannot be handed the runtime value.
  env: { SUPPORT_EMAIL_AT_BUILD: process.env.SUPPORT_EMAIL ?? "" },
  // `next dev` serves its scripts and HMR socket to localhost only; 127.0.0.1 is the same machine, so
  // pages opened there must hydrate too.
  allowedDevOrigins: ["127.0.0.1"],
  // The Docker image ships the self-contained server (`node server.js`); `next start` stays the default.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  // `npm test` type-checks the whole project before the end-to-end build, which may skip it.
  typescript: { ignoreBuildErrors: process.env.NEXT_SKIP_TYPECHECK === "1" },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
