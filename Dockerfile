# syntax=docker/dockerfile:1
# Multi-stage build of the billing app (not built on the machine this was written on: it has no
# Docker engine; every step mirrors commands the test suite runs).
#   docker build -t next-stripe-billing .                 # the app (default target)
#   docker build -t next-stripe-billing-tools --target tools .   # scripts: stripe:setup, cron, emulator
#   docker build -t next-stripe-billing-pgbouncer --target pgbouncer .   # PgBouncer for docker-compose.yml
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/stripe-emulator/package.json ./packages/stripe-emulator/package.json
# patch-package (postinstall) applies patches/: a postgres.js fix for a crash on a dropped connection.
COPY patches ./patches
# The node:22 images bundle npm 10; `npm ci` works with it and with npm 11 because package-lock.json
# keeps every platform's native binaries (Next SWC, Tailwind oxide/lightningcss, Rollup), including
# linux-*-gnu for this Debian image. tests/unit/lockfile.test.ts fails if a pruned lockfile lands.
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1 NEXT_OUTPUT=standalone NEXT_SKIP_TYPECHECK=1
RUN npm run build

# The CLIs (npm run cron, stripe:setup, billing:reconcile, notifications:deliver) and, for demos,
# the Stripe emulator. Full dependencies and sources; runs as the unprivileged `node` user.
FROM deps AS tools
COPY . .
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
USER node
CMD ["npm", "run", "cron"]

# PgBouncer for docker-compose.yml: Debian bookworm's package (1.18), the version `npm run cluster`
# and the test suite run, with docker/pgbouncer.ini (transaction mode).
FROM debian:bookworm-slim AS pgbouncer
RUN apt-get update && apt-get install -y --no-install-recommends pgbouncer && rm -rf /var/lib/apt/lists/*
COPY --chown=postgres:postgres docker/pgbouncer.ini /etc/pgbouncer/pgbouncer.ini
COPY --chown=postgres:postgres docker/pgbouncer-userlist.txt /etc/pgbouncer/userlist.txt
USER postgres
EXPOSE 6432
CMD ["pgbouncer", "/etc/pgbouncer/pgbouncer.ini"]

# The app: Next.js's standalone server with only the files it traces (migrations included, see
# next.config.ts), no build tools, as `node`. Migrations run when it starts.
FROM ${NODE_IMAGE} AS app
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0
COPY --from=build --chown=node:node /app/.next/standalone ./
COPY --from=build --chown=node:node /app/.next/static ./.next/static
USER node
EXPOSE 3000
# SIGTERM drains the instance (health 503, requests in flight finish) instead of Next.js closing at
# once: docs/operations.md, Start-up and shutdown.
ENV NEXT_MANUAL_SIG_HANDLE=true
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Keep idle connections open longer than a load balancer's idle timeout (docs/deploying.md: Deploy
# behind a balancer); the standalone server reads KEEP_ALIVE_TIMEOUT.
CMD ["sh", "-c", "KEEP_ALIVE_TIMEOUT=${KEEP_ALIVE_TIMEOUT_MS:-65000} exec node server.js"]
