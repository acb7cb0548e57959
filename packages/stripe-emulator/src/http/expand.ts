import type { Emulator } from "../emulator";
import { clone } from "../json";

type Json = unknown;

/** Fields that are not returned by default but can be requested with `expand[]` (Stripe's "includable" fields). */
export type Includable = (emu: Emulator, owner: Record<string, unknown>) => unknown;
const includables = new Map<string, Includable>();

export function registerIncludable(objectType: string, field: string, build: Includable): void {
  includables.set(`${objectType}.${field}`, build);
}

function isRecord(value: Json): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** What an expanded object goes through before it is inserted (a response in an earlier version renders it). */
export type RenderExpanded = (object: Json) => Json;

const asIs: RenderExpanded = (object) => object;

/**
 * Walk one `expand[]` path (already checked against the response type by schema/validate.ts): ids found in the store
 * become objects, includable fields are built; an id the emulator keeps no object for stays an id.
 */
function expandPath(emu: Emulator, value: Json, segments: string[], render: RenderExpanded): Json {
  if (segments.length === 0) return value;
  if (Array.isArray(value)) return value.map((v) => expandPath(emu, v, segments, render));
  if (!isRecord(value)) return value;
  const [head, ...rest] = segments;
  let child = value[head];
  if (child === undefined) {
    const include = typeof value.object === "string" ? includables.get(`${value.object}.${head}`) : undefined;
    if (!include) return value;
    child = render(clone(include(emu, value)));
  } else if (typeof child === "string") {
    const found = emu.store.findById(child);
    if (found) child = render(clone(found));
  } else if (Array.isArray(child)) {
    // An array of ids (a subscription's `discounts`) expands element by element.
    child = child.map((id: unknown) => {
      const found = typeof id === "string" ? emu.store.findById(id) : undefined;
      return found ? render(clone(found)) : id;
    });
  }
  value[head] = expandPath(emu, child, rest, render);
  return value;
}

/**
 * Apply `expand[]` paths (e.g. `data.product`, `items.data.price.product`) to a JSON copy of a response. `render`
 * turns each object brought in into the response's shape (the request's API version), so a path can go through a
 * field only an earlier version has (`latest_invoice.payment_intent`).
 */
export function applyExpansions(emu: Emulator, body: Json, paths: string[], render: RenderExpanded = asIs): Json {
  if (paths.length === 0) return body;
  const copy = clone(body);
  for (const path of paths) {
    expandPath(emu, copy, path.split("."), render);
  }
  return copy;
}
