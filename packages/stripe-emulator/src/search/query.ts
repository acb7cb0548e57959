/**
 * Stripe's Search Query Language (https://docs.stripe.com/search#search-query-language), parsed into clauses.
 *
 *   query    = clause ( ( WS | WS "AND" WS | WS "OR" WS ) clause )*      at most 10 clauses, AND and OR never mixed
 *   clause   = [ "-" ] field operator value
 *   field    = name ( "." name )*  |  "metadata[" quoted "]"
 *   operator = ":" | "~" | ">" | "<" | ">=" | "<="
 *   value    = quoted | number | "null"                                  quoted: '…' or "…", \ escapes a quote
 *
 * `AND`, `OR` and `null` are case-insensitive; clauses separated by spaces alone are ANDed. Whether a field exists
 * and takes the operator is the resource's business (fields.ts); this only reads the syntax.
 */
import { invalidRequest, type StripeApiError } from "../http/errors";

export type Operator = ":" | "~" | ">" | "<" | ">=" | "<=";

export type SearchValue = { kind: "string"; text: string } | { kind: "null" };

export interface Clause {
  negated: boolean;
  /** `email`, `payment_method_details.card.last4`, or `metadata` (with `metadataKey`). */
  field: string;
  metadataKey: string | null;
  operator: Operator;
  value: SearchValue;
}

export interface ParsedQuery {
  connector: "AND" | "OR";
  clauses: Clause[];
}

export const MAX_CLAUSES = 10;

/** Stripe's answer to a query it cannot read (its wording, as the API returns it). */
export function unparseableQuery(): StripeApiError {
  return invalidRequest(
    'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.',
  );
}

class QueryReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  private peek(n = 0): string {
    return this.text[this.pos + n] ?? "";
  }

  /** Skips whitespace; true if there was any. */
  skipSpace(): boolean {
    const start = this.pos;
    while (/\s/.test(this.peek())) this.pos++;
    return this.pos > start;
  }

  /** `AND` / `OR` as a whole word (followed by whitespace), case-insensitive. */
  connector(): "AND" | "OR" | null {
    const m = /^(and|or)(?=\s)/i.exec(this.text.slice(this.pos));
    if (!m) return null;
    this.pos += m[1].length;
    return m[1].toUpperCase() as "AND" | "OR";
  }

  /** A quoted string starting at the current quote character; backslash escapes the next character. */
  private quoted(): string {
    const quote = this.peek();
    this.pos++;
    let out = "";
    while (!this.done) {
      const c = this.peek();
      if (c === "\\" && this.pos + 1 < this.text.length) {
        out += this.peek(1);
        this.pos += 2;
        continue;
      }
      this.pos++;
      if (c === quote) return out;
      out += c;
    }
    throw unparseableQuery();
  }

  clause(): Clause {
    const negated = this.peek() === "-";
    if (negated) this.pos++;
    let field: string;
    let metadataKey: string | null = null;
    if (this.text.startsWith("metadata[", this.pos)) {
      this.pos += "metadata[".length;
      if (this.peek() !== '"' && this.peek() !== "'") throw unparseableQuery();
      metadataKey = this.quoted();
      if (this.peek() !== "]" || metadataKey === "") throw unparseableQuery();
      this.pos++;
      field = "metadata";
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(this.text.slice(this.pos));
      if (!m) throw unparseableQuery();
      field = m[0];
      this.pos += field.length;
    }
    const op = /^(>=|<=|>|<|:|~)/.exec(this.text.slice(this.pos));
    if (!op) throw unparseableQuery();
    this.pos += op[1].length;
    const operator = op[1] as Operator;
    let value: SearchValue;
    if (this.peek() === '"' || this.peek() === "'") {
      value = { kind: "string", text: this.quoted() };
    } else {
      const bare = /^[^\s]+/.exec(this.text.slice(this.pos))?.[0] ?? "";
      this.pos += bare.length;
      // Quotes may be left off numbers only ("You must use quotation marks around string values").
      if (/^null$/i.test(bare)) value = { kind: "null" };
      else if (/^-?\d+(\.\d+)?$/.test(bare)) value = { kind: "string", text: bare };
      else throw unparseableQuery();
    }
    // A clause ends at whitespace or the end of the query (`email:"a"b` is not a clause).
    if (!this.done && !/\s/.test(this.peek())) throw unparseableQuery();
    return { negated, field, metadataKey, operator, value };
  }
}

/** Parse `query` or throw Stripe's 400 for a query it cannot read. */
export function parseQuery(query: string): ParsedQuery {
  const reader = new QueryReader(query);
  const connectors = new Set<"AND" | "OR">();
  reader.skipSpace();
  if (reader.done) throw unparseableQuery();
  const clauses: Clause[] = [reader.clause()];
  // A clause ends at whitespace or the end, so what follows is whitespace, then AND / OR (and whitespace) or a clause.
  while (reader.skipSpace() && !reader.done) {
    const connector = reader.connector();
    if (connector && (!reader.skipSpace() || reader.done)) throw unparseableQuery();
    connectors.add(connector ?? "AND");
    clauses.push(reader.clause());
    if (clauses.length > MAX_CLAUSES) throw unparseableQuery();
  }
  // "AND and OR operators are mutually exclusive" (a space alone is an AND).
  if (connectors.size > 1) throw unparseableQuery();
  return { connector: connectors.has("OR") ? "OR" : "AND", clauses };
}
