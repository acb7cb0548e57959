import type { Emulator } from '../emulator';
import { clone } from '../json';
import { invalidRequest } from './errors';

type Json = unknown;

/** Fields that are not returned by default but can be requested with `expand[]` (Stripe's "includable" fields). */
export type Includable = (emu: Emulator, owner: Record<string, unknown>) => unknown;
const includables = new Map<string, Includable>();

export function registerIncludable(objectType: string, field: string, build: Includable): void {
  includables.set(`${objectType}.${field}`, build);
}

function isRecord(value: Json): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function expandPath(emu: Emulator, value: Json, segments: string[], fullPath: string): Json {
  if (segments.length === 0) return value;
  if (Array.isArray(value)) return value.map((v) => expandPath(emu, v, segments, fullPath));
  if (!isRecord(value)) return value;
  const [head, ...rest] = segments;
  let child = value[head];
  if (child === undefined) {
    const include = typeof value.object === 'string' ? includables.get(`${value.object}.${head}`) : undefined;
    if (!include) {
      throw invalidRequest(
        `This property cannot be expanded (${fullPath}).`,
        'expand',
        undefined,
      );
    }
    child = clone(include(emu, value));
  } else if (typeof child === 'string' && rest.length >= 0) {
    const found = emu.store.findById(child);
    if (found) child = clone(found);
    else if (rest.length === 0 && !/^[a-z]+_/.test(child)) {
      throw invalidRequest(`This property cannot be expanded (${fullPath}).`, 'expand');
    }
  }
  value[head] = expandPath(emu, child, rest, fullPath);
  return value;
}

/** Apply `expand[]` paths (e.g. `data.product`, `items.data.price.product`) to a JSON copy of a response. */
export function applyExpansions(emu: Emulator, body: Json, paths: string[]): Json {
  if (paths.length === 0) return body;
  const copy = clone(body);
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, 'expand');
    expandPath(emu, copy, segments, path);
  }
  return copy;
}
