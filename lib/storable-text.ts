/**
 * Text that Postgres (and PGlite) cannot store: a NUL character (`\u0000`, refused in `text` and in
 * `jsonb`) or a lone UTF-16 surrogate (not Unicode, refused by the encoder and by `jsonb`). Valid
 * JSON can carry both, so every input that reaches the database is checked against this first.
 */
export const isStorableText = (value: string): boolean => !value.includes("\u0000") && value.isWellFormed();

/** The message of an input refused for holding unstorable text. */
export const UNSTORABLE_TEXT_MESSAGE = "must not contain NUL characters or unpaired surrogates";

const storable = (value: string) => value.replaceAll("\u0000", "\uFFFD").toWellFormed();

/**
 * A deep copy of a JSON value whose strings (keys too) can be stored: each NUL and lone surrogate
 * becomes U+FFFD. `changed` says whether there was any.
 */
export function storableJson(value: unknown): { value: unknown; changed: boolean } {
  let changed = false;
  const visit = (node: unknown): unknown => {
    if (typeof node === "string") {
      if (isStorableText(node)) return node;
      changed = true;
      return storable(node);
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [visit(key) as string, visit(child)]));
    }
    return node;
  };
  const result = visit(value);
  return { value: result, changed };
}
