import type { Router } from "../http/router";
import { invalidRequest } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";

export function registerEvents(router: Router): void {
  router.get("/v1/events", ({ emu, params }) => {
    const type = params.str("type");
    const types = params.strArray("types");
    if (type && types) throw invalidRequest("You may only specify one of these parameters: type, types.", "types");
    const typeMatch = (t: string): boolean => {
      if (types) return types.includes(t);
      if (!type) return true;
      if (type.endsWith("*")) return t.startsWith(type.slice(0, -1));
      return t === type;
    };
    const items = newestFirst(emu.store.events.values()).filter((e) => typeMatch(e.type) && matchesRange(e.created, params, "created"));
    return paginate(items, params, "/v1/events", "event");
  });
  router.get("/v1/events/:id", ({ emu, path }) => {
    const event = emu.store.events.get(path.id);
    if (!event) throw invalidRequest(`No such event: '${path.id}'`, "id", "resource_missing", 404);
    return event;
  });
}
