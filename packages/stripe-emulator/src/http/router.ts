import type { Emulator } from "../emulator";
import type { Params } from "./form";

export interface ApiContext {
  emu: Emulator;
  params: Params;
  path: Record<string, string>;
  method: string;
}

export type ApiHandler = (ctx: ApiContext) => object;

interface Route {
  method: string;
  path: string;
  pattern: RegExp;
  keys: string[];
  handler: ApiHandler;
}

/** Minimal method + path matcher: `/v1/customers/:id` style patterns. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: ApiHandler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([a-z_]+)/g, (_m, key: string) => {
        keys.push(key);
        return "([^/]+)";
      })}$`,
    );
    this.routes.push({ method, path, pattern, keys, handler });
    return this;
  }

  get(path: string, handler: ApiHandler): this {
    return this.add("GET", path, handler);
  }

  post(path: string, handler: ApiHandler): this {
    return this.add("POST", path, handler);
  }

  delete(path: string, handler: ApiHandler): this {
    return this.add("DELETE", path, handler);
  }

  /** Every route as `METHOD /v1/path/:param`. */
  list(): string[] {
    return this.routes.map((r) => `${r.method} ${r.path}`);
  }

  /**
   * The route for a request. Literal segments win over `:params` whatever the registration order (Stripe's own
   * routing): `GET /v1/products/search` is the search, never a retrieve of a product with the id "search".
   */
  match(method: string, path: string): { handler: ApiHandler; params: Record<string, string>; route: string } | null {
    let best: { route: Route; m: RegExpExecArray } | null = null;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (!best || route.keys.length < best.route.keys.length) best = { route, m };
    }
    if (!best) return null;
    const { route, m } = best;
    const params: Record<string, string> = {};
    route.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
    return { handler: route.handler, params, route: `${route.method} ${route.path}` };
  }

  /** Whether any method is routed for this path (to tell 404 from 405-ish unknown routes). */
  knowsPath(path: string): boolean {
    return this.routes.some((r) => r.pattern.test(path));
  }
}
