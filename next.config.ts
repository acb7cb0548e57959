import type { NextConfig } from "next";

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pino", "bcryptjs"],
  // Migrations are read from disk at start-up, so serverless bundles must include them.
  outputFileTracingIncludes: { "/**": ["./db/migrations/**/*"] },
  experimental: { authInterrupts: true },
  poweredByHeader: false,
  // The Docker image ships the self-contained server (`node server.js`); `next start` stays the default.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  // `npm test` type-checks the whole project before the end-to-end build, which may skip it.
  typescript: { ignoreBuildErrors: process.env.NEXT_SKIP_TYPECHECK === "1" },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
