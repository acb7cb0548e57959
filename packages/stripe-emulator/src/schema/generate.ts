/**
 * Derives, from the installed `stripe` package, what the pinned API version accepts on every endpoint the emulator
 * serves: the request parameter tree (from the SDK's `*Params` interfaces in its .d.ts files) and which response
 * fields can be expanded or included (id-or-object unions and optional fields of the response types).
 *
 * The SDK's JavaScript resource files give each method's HTTP method and path; its .d.ts files give the method's
 * params and return types. `npm run emulator:schema` writes the result to `endpoints.generated.json`; a test
 * regenerates it in memory and fails if the committed file differs.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { normalizePath } from "./paths";
import type { EndpointSchema, ParamType, ResponseField, SchemaFile } from "./types";

// Wherever the package manager put the SDK (hoisted to the root in a workspace, or beside this package).
const SDK_DIR = join(dirname(createRequire(__filename).resolve("stripe")), "..");
const RESOURCES_DIR = join(SDK_DIR, "cjs", "resources");

function walk(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full, ext);
    return full.endsWith(ext) ? [full] : [];
  });
}

interface SdkMethod {
  httpMethod: string;
  path: string;
  /** The resource file without extension (class names repeat, e.g. TestHelpers/Customers). */
  file: string;
  className: string;
  method: string;
}

/** `name(args) { return this._makeRequest('POST', `/v1/...`` in the SDK's generated resource classes. */
function sdkMethods(): SdkMethod[] {
  const out: SdkMethod[] = [];
  for (const file of walk(RESOURCES_DIR, ".js")) {
    const text = readFileSync(file, "utf8");
    const classMatch = /class (\w+) extends/.exec(text);
    if (!classMatch) continue;
    const re = /\n {4}(\w+)\([^)]*\) \{\s*return this\._makeRequest\('(\w+)', [`']([^`']+)[`']/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      out.push({ file: file.replace(/\.js$/, ""), className: classMatch[1], method: m[1], httpMethod: m[2], path: normalizePath(m[3]) });
    }
  }
  return out;
}

class Generator {
  private readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;
  readonly params: Record<string, ParamType> = {};
  readonly objects: Record<string, Record<string, ResponseField>> = {};
  private readonly classes = new Map<string, ts.ClassDeclaration>();

  constructor() {
    const roots = walk(RESOURCES_DIR, ".d.ts");
    this.program = ts.createProgram(roots, { noEmit: true, skipLibCheck: true, strict: true, types: [] });
    this.checker = this.program.getTypeChecker();
    for (const file of roots) {
      const source = this.program.getSourceFile(file);
      source?.forEachChild((node) => {
        if (ts.isClassDeclaration(node) && node.name) this.classes.set(file.replace(/\.d\.ts$/, ""), node);
      });
    }
  }

  private readonly names = new Map<string, ts.Symbol>();

  /**
   * `"…/resources/Customers".CustomerCreateParams.InvoiceSettings` → `CustomerCreateParams.InvoiceSettings`; a name
   * that two modules declare (Checkout's and the portal's `Session`) keeps its module: `BillingPortal/Sessions:Session`.
   */
  private nameOf(symbol: ts.Symbol): string {
    const full = this.checker.getFullyQualifiedName(symbol);
    const short = full.replace(/^"[^"]+"\./, "");
    const owner = this.names.get(short);
    if (!owner || owner === symbol) {
      this.names.set(short, symbol);
      return short;
    }
    // An anonymous type (`__type`) has no module in its name: relative() of '' would be the working directory, and
    // `npm run emulator:schema` (run in the package) would write other names than the staleness test (run at the root).
    const modulePath = /^"([^"]+)"\./.exec(full)?.[1];
    return `${modulePath ? relative(RESOURCES_DIR, modulePath) : "(anonymous)"}:${short}`;
  }

  private isStripeDeclared(symbol: ts.Symbol | undefined): symbol is ts.Symbol {
    const decl = symbol?.declarations?.[0];
    return !!decl && decl.getSourceFile().fileName.startsWith(SDK_DIR);
  }

  private paramType(type: ts.Type): ParamType {
    const c = this.checker;
    const alias = type.aliasSymbol?.name;
    if (alias === "Decimal") return "decimal";
    if (alias === "OtherString") return "string";
    if (type.flags & ts.TypeFlags.Boolean || type.flags & ts.TypeFlags.BooleanLiteral) return "boolean";
    if (type.flags & ts.TypeFlags.StringLiteral) return { enum: [(type as ts.StringLiteralType).value] };
    if (type.flags & ts.TypeFlags.String) return "string";
    if (type.flags & ts.TypeFlags.Number || type.flags & ts.TypeFlags.NumberLiteral) return "number";
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return "any";
    if (type.isIntersection()) {
      if (type.types.some((t) => t.flags & ts.TypeFlags.String)) return "string";
      if (type.types.some((t) => t.aliasSymbol?.name === "Decimal" || t.getSymbol()?.name === "DecimalImpl")) return "decimal";
    }
    if (type.isUnion()) return this.unionType(type.types);
    if (c.isArrayType(type)) {
      const [element] = c.getTypeArguments(type as ts.TypeReference);
      return { array: this.paramType(element) };
    }
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (symbol?.name === "DecimalImpl") return "decimal";
    const props = c.getPropertiesOfType(type);
    const index = c.getIndexTypeOfType(type, ts.IndexKind.String);
    if (props.length === 0 && index) return { map: this.paramType(index) };
    if (props.length === 0) return { object: {} };
    const named = type.getSymbol();
    if (this.isStripeDeclared(named) && (named.flags & ts.SymbolFlags.Interface) !== 0) {
      const name = this.nameOf(named);
      if (!(name in this.params)) {
        this.params[name] = "any"; // placeholder against cycles
        this.params[name] = this.objectType(type, props);
      }
      return { ref: name };
    }
    return this.objectType(type, props);
  }

  private objectType(_type: ts.Type, props: ts.Symbol[]): ParamType {
    const fields: Record<string, ParamType> = {};
    const required: string[] = [];
    for (const prop of [...props].sort((a, b) => a.name.localeCompare(b.name))) {
      const declaration = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!declaration) continue;
      fields[prop.name] = this.paramType(this.checker.getNonNullableType(this.checker.getTypeOfSymbolAtLocation(prop, declaration)));
      if ((prop.flags & ts.SymbolFlags.Optional) === 0) required.push(prop.name);
    }
    return required.length ? { object: fields, required } : { object: fields };
  }

  private unionType(members: ts.Type[]): ParamType {
    const values: string[] = [];
    const others: ParamType[] = [];
    let sawTrue = false;
    let sawFalse = false;
    for (const member of members) {
      if (member.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)) continue;
      // `'a' | 'b' | OtherString`: the SDK keeps enums open for forward compatibility, but this API version
      // defines exactly the listed values (Stripe refuses others), so the enum stays closed.
      if (
        member.isIntersection() &&
        member.types.some((t) => t.flags & ts.TypeFlags.String) &&
        members.some((m) => m.flags & ts.TypeFlags.StringLiteral)
      )
        continue;
      if (member.flags & ts.TypeFlags.StringLiteral) values.push((member as ts.StringLiteralType).value);
      else if (member.flags & ts.TypeFlags.BooleanLiteral) {
        if (this.checker.typeToString(member) === "true") sawTrue = true;
        else sawFalse = true;
      } else others.push(this.paramType(member));
    }
    if (sawTrue || sawFalse) others.push("boolean");
    // An enum joined with OtherString (or plain string) is an open string; keep '' so Emptyable stays visible.
    if (others.includes("string")) {
      const rest = others.filter((o) => o !== "string");
      const options: ParamType[] = ["string", ...rest, ...(values.includes("") ? [{ enum: [""] }] : [])];
      return options.length === 1 ? "string" : { anyOf: options };
    }
    const options: ParamType[] = [...(values.length ? [{ enum: values.sort() }] : []), ...others];
    return options.length === 1 ? options[0] : { anyOf: options };
  }

  /** Response types: which fields are expandable (id | object), includable (optional), or lead to nested objects. */
  private responseType(type: ts.Type): string | null {
    const c = this.checker;
    const t = c.getNonNullableType(type);
    if (t.isUnion()) {
      // `string | Customer | DeletedCustomer` expands to the live object.
      const objects = t.types.filter((m) => m.flags & ts.TypeFlags.Object);
      const live = objects.find((m) => !m.getSymbol()?.name.startsWith("Deleted")) ?? objects[0];
      return live ? this.responseType(live) : null;
    }
    if (c.isArrayType(t)) return this.responseType(c.getTypeArguments(t as ts.TypeReference)[0]);
    if (!(t.flags & ts.TypeFlags.Object)) return null;
    const symbol = t.getSymbol();
    if (!this.isStripeDeclared(symbol)) return null;
    if (symbol.name === "ApiList" || symbol.name === "ApiSearchResult") {
      const [element] = c.getTypeArguments(t as ts.TypeReference);
      const inner = element ? this.responseType(element) : null;
      const name = `${symbol.name}<${inner ?? "unknown"}>`;
      if (!(name in this.objects)) this.objects[name] = listObject(symbol.name, inner);
      return name;
    }
    if (symbol.name === "DecimalImpl" || t.aliasSymbol?.name === "Decimal") return null;
    const name = this.nameOf(symbol);
    if (name in this.objects) return name;
    this.objects[name] = {};
    const fields: Record<string, ResponseField> = {};
    for (const prop of c.getPropertiesOfType(t).sort((a, b) => a.name.localeCompare(b.name))) {
      const declaration = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!declaration || !ts.isPropertySignature(declaration)) continue;
      const propType = c.getTypeOfSymbolAtLocation(prop, declaration);
      const nonNull = c.getNonNullableType(propType);
      // An array of `string | Object` (a subscription's `discounts`) expands element by element.
      const element = c.isArrayType(nonNull) ? c.getTypeArguments(nonNull as ts.TypeReference)[0] : nonNull;
      const members = element.isUnion() ? element.types : [element];
      const expandable = members.some((m) => m.flags & ts.TypeFlags.String) && members.some((m) => m.flags & ts.TypeFlags.Object);
      const includable = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      const target = this.responseType(propType);
      if (!expandable && !includable && !target) continue;
      fields[prop.name] = {
        ...(expandable ? { expandable: true } : {}),
        ...(includable ? { includable: true } : {}),
        ...(target ? { type: target } : {}),
      };
    }
    this.objects[name] = fields;
    return name;
  }

  endpoint(sdk: SdkMethod): EndpointSchema {
    const cls = this.classes.get(sdk.file);
    const member = cls?.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText() === sdk.method);
    if (!member) throw new Error(`No declaration for ${sdk.className}.${sdk.method}`);
    const paramsNode = member.parameters.find((p) => p.name.getText() === "params");
    const paramsType = paramsNode?.type ? this.checker.getTypeFromTypeNode(paramsNode.type) : null;
    const params = paramsType ? this.paramType(paramsType) : { object: {} };
    const signature = this.checker.getSignatureFromDeclaration(member);
    const returnType = signature ? this.checker.getReturnTypeOfSignature(signature) : null;
    return {
      sdk: `${relative(RESOURCES_DIR, sdk.file)}.${sdk.method}`,
      params,
      returns: returnType ? this.returnName(returnType) : null,
    };
  }

  /** Promise<Response<T>> → T; ApiListPromise<T> → ApiList<T>; ApiSearchResultPromise<T> → ApiSearchResult<T>. */
  private returnName(type: ts.Type): string | null {
    const c = this.checker;
    const symbol = type.getSymbol();
    if (symbol?.name === "ApiListPromise" || symbol?.name === "ApiSearchResultPromise") {
      const [element] = c.getTypeArguments(type as ts.TypeReference);
      const inner = this.responseType(element);
      const listName = symbol.name.replace(/Promise$/, "");
      const name = `${listName}<${inner}>`;
      this.objects[name] = listObject(listName, inner);
      return name;
    }
    if (symbol?.name === "Promise") {
      // Promise<Response<T>>, and Response<T> = T & { lastResponse }.
      let [inner] = c.getTypeArguments(type as ts.TypeReference);
      if (inner.isUnion()) inner = inner.types.find((t) => !c.typeToString(t).includes("Deleted")) ?? inner.types[0];
      const members = inner.isIntersection() ? inner.types.filter((t) => !c.getPropertyOfType(t, "lastResponse")) : [inner];
      return members.length ? this.responseType(members[0]) : null;
    }
    return this.responseType(type);
  }
}

/**
 * A list or search result of `inner` objects. A search result's `total_count` is includable: the SDK declares it
 * optional, "only present when `expand` request parameter contains `total_count`" (lib.d.ts, ApiSearchResult).
 */
function listObject(listName: string, inner: string | null): Record<string, ResponseField> {
  return {
    ...(inner ? { data: { type: inner } } : {}),
    ...(listName === "ApiSearchResult" ? { total_count: { includable: true } } : {}),
  };
}

/** Schema of every SDK endpoint among `routes` (`METHOD /v1/path/{}`); throws for a route the SDK does not know. */
export function generateSchema(routes: string[]): SchemaFile {
  const methods = sdkMethods();
  const generator = new Generator();
  const endpoints: Record<string, EndpointSchema> = {};
  for (const route of [...routes].sort()) {
    const [httpMethod, path] = route.split(" ");
    const sdk = methods.find((m) => m.httpMethod === httpMethod && m.path === normalizePath(path));
    if (!sdk) throw new Error(`The stripe SDK has no method for ${route}`);
    endpoints[route] = generator.endpoint(sdk);
  }
  const sortKeys = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const pkg = JSON.parse(readFileSync(join(SDK_DIR, "package.json"), "utf8")) as { version: string };
  return {
    generatedFrom: `stripe@${pkg.version} (node_modules/stripe/cjs/resources)`,
    endpoints,
    params: sortKeys(generator.params),
    objects: sortKeys(generator.objects),
  };
}

/** One definition per line, so a regenerated file diffs readably. */
export function formatSchema(schema: SchemaFile): string {
  const block = (record: Record<string, unknown>): string =>
    `{\n${Object.entries(record)
      .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(",\n")}\n  }`;
  return `{\n  "generatedFrom": ${JSON.stringify(schema.generatedFrom)},\n  "endpoints": ${block(schema.endpoints)},\n  "params": ${block(schema.params)},\n  "objects": ${block(schema.objects)}\n}\n`;
}
