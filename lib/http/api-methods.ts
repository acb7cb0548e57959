/**
 * The methods each /api path answers, for proxy.ts to give unknown paths a JSON 404 and wrong
 * methods a JSON 405 with `Allow` (Next answers those with an empty body). Patterns end in `/*` for
 * catch-all routes; `:name` stands for one dynamic segment (`[name]` in the file path). tests/unit/route-declarations.test.ts fails when this and the route.ts files disagree.
 */
import "server-only";
export const API_METHODS: Record<string, readonly string[]> = {
  "/api/account": ["POST"],
  "/api/account/password-reset": ["POST"],
  "/api/account/password-reset/confirm": ["POST"],
  "/api/account/verification": ["POST"],
  "/api/auth/*": ["GET", "POST"],
  "/api/billing/api-keys": ["GET", "POST"],
  "/api/billing/admin/alerts": ["GET", "POST"],
  "/api/billing/admin/audit": ["GET"],
  "/api/billing/admin/invoices": ["GET"],
  "/api/billing/admin/metrics": ["GET"],
  "/api/billing/admin/notifications/:id/retry": ["POST"],
  "/api/billing/admin/promotions": ["GET", "POST"],
  "/api/billing/admin/promotions/:id/deactivate": ["POST"],
  "/api/billing/admin/users": ["GET"],
  "/api/billing/admin/users/:id": ["GET"],
  "/api/billing/admin/users/:id/limits": ["POST"],
  "/api/billing/admin/users/:id/spend-cap": ["POST"],
  "/api/billing/admin/users/:id/staff": ["POST"],
  "/api/billing/admin/users/:id/sync": ["POST"],
  "/api/billing/admin/webhook-endpoints": ["GET", "POST"],
  "/api/billing/admin/webhook-endpoints/:id/disable": ["POST"],
  "/api/billing/admin/webhook-endpoints/:id/enable": ["POST"],
  "/api/billing/admin/webhook-endpoints/:id/rotate-secret": ["POST"],
  "/api/billing/admin/webhook-endpoints/:id/test": ["POST"],
  "/api/billing/admin/webhook-endpoints/deliveries": ["GET"],
  "/api/billing/admin/webhook-endpoints/deliveries/:id/replay": ["POST"],
  "/api/billing/admin/webhooks": ["GET"],
  "/api/billing/admin/webhooks/:id": ["GET"],
  "/api/billing/admin/webhooks/:id/replay": ["POST"],
  "/api/billing/api-keys/:id": ["DELETE"],
  "/api/billing/card": ["POST"],
  "/api/billing/checkout": ["POST"],
  "/api/billing/checkout/status": ["GET"],
  "/api/billing/credits/auto-top-up": ["POST"],
  "/api/billing/credits/checkout": ["POST"],
  "/api/billing/details": ["GET", "POST"],
  "/api/billing/entitlements": ["GET"],
  "/api/billing/invoices": ["GET"],
  "/api/billing/levels": ["GET", "POST"],
  "/api/billing/plans": ["GET"],
  "/api/billing/portal": ["POST"],
  "/api/billing/quota": ["GET"],
  "/api/billing/spend-cap": ["GET", "POST"],
  "/api/billing/subscription": ["GET"],
  "/api/billing/subscription/cancel": ["POST"],
  "/api/billing/subscription/change": ["POST"],
  "/api/billing/subscription/discount": ["POST"],
  "/api/billing/subscription/resume": ["POST"],
  "/api/billing/trial": ["POST"],
  "/api/billing/usage": ["GET", "POST"],
  "/api/billing/usage-alerts": ["GET", "POST"],
  "/api/billing/webhook": ["POST"],
  "/api/cron/deliver": ["GET"],
  "/api/cron/reconcile": ["GET"],
  "/api/cron/usage-report": ["GET"],
  "/api/demo/jobs": ["POST"],
  "/api/health": ["GET"],
  "/api/internal/subscription/sync": ["POST"],
  "/api/me": ["GET"],
  "/api/orgs": ["GET", "POST"],
  "/api/orgs/:id": ["DELETE", "PATCH"],
  "/api/orgs/:id/invitations": ["POST"],
  "/api/orgs/:id/invitations/:invitationId": ["DELETE"],
  "/api/orgs/:id/members": ["GET"],
  "/api/orgs/:id/members/:userId": ["DELETE", "PATCH"],
  "/api/orgs/invitations/accept": ["POST"],
};

/** The methods `pathname` answers, or null when no API route serves it. */
export function apiMethodsFor(pathname: string): readonly string[] | null {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (API_METHODS[path]) return API_METHODS[path];
  for (const [pattern, methods] of Object.entries(API_METHODS)) {
    if (patternRegExp(pattern).test(path)) return methods;
  }
  return null;
}

/** `/a/:id/b` matches one segment for `:id`; a trailing `/*` matches any rest. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split("/")
    .map((segment, i, all) => {
      if (segment === "*" && i === all.length - 1) return ".+";
      if (segment.startsWith(":")) return "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${body}$`);
}

/** The catch-all that answers JSON 404 for paths no other route serves; it is not an API of its own. */
export const UNKNOWN_API_ROUTE_FILE = "app/api/[...unknown]/route.ts";

/** The API path of a route file: app/api/auth/[...nextauth]/route.ts → /api/auth/*. */
export function apiPathOfRouteFile(file: string): string {
  return file
    .replace(/^app/, "")
    .replace(/\/route\.ts$/, "")
    .replace(/\/\[\.\.\.[^\]]+\]$/, "/*")
    .replace(/\/\[([^\]]+)\]/g, "/:$1");
}
