import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const protocols = ["basespace", "cavatica", "youforce"] as const;
export type Protocol = (typeof protocols)[number];

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are walked generically.
export type Json = any;

export function loadSpec(protocol: Protocol): Json {
  return parse(readFileSync(here(`../${protocol}.yaml`), "utf8"));
}

export interface Rule {
  id: string;
  protocol: Protocol | "mime";
  level: "must" | "should";
  source: string;
  statement: string;
  check: string;
}

export function loadRules(): { version: number; rules: Rule[] } {
  return parse(readFileSync(here("../rules.yaml"), "utf8"));
}

export function readSeed(name: string): string {
  return readFileSync(here(`../seeds/${name}`), "utf8");
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/** Every operation of a document, with its method and path. */
export function operations(spec: Json): { method: string; path: string; op: Json }[] {
  const out = [];
  for (const [path, item] of Object.entries<Json>(spec.paths ?? {})) {
    for (const method of HTTP_METHODS) if (item[method]) out.push({ method, path, op: item[method] });
  }
  return out;
}

/** Follows local `$ref`s (`#/a/b`) until a non-reference node. */
export function deref(spec: Json, node: Json): Json {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === "string"; hops++) {
    if (hops > 20) throw new Error(`reference loop at ${current.$ref}`);
    current = current.$ref
      .slice(2)
      .split("/")
      .reduce((o: Json, k: string) => o?.[k.replaceAll("~1", "/").replaceAll("~0", "~")], spec);
  }
  return current;
}

/** Every JSON value that a document gives as an example, with the schema it illustrates and where. */
export function examples(spec: Json): { where: string; schema: Json; value: unknown; media: string }[] {
  const out: { where: string; schema: Json; value: unknown; media: string }[] = [];
  const fromContent = (content: Json, where: string) => {
    for (const [media, object] of Object.entries<Json>(content ?? {})) {
      if (!object?.schema) continue;
      if (object.example !== undefined)
        out.push({ where: `${where} ${media} example`, schema: object.schema, value: object.example, media });
      for (const [name, ex] of Object.entries<Json>(object.examples ?? {})) {
        const resolved = deref(spec, ex);
        if (resolved?.value !== undefined)
          out.push({
            where: `${where} ${media} examples.${name}`,
            schema: object.schema,
            value: resolved.value,
            media,
          });
      }
    }
  };
  for (const { method, path, op } of operations(spec)) {
    const where = `${method.toUpperCase()} ${path}`;
    fromContent(deref(spec, op.requestBody)?.content, `${where} request`);
    for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
      fromContent(deref(spec, response)?.content, `${where} ${status}`);
    }
  }
  for (const [name, schema] of Object.entries<Json>(spec.components?.schemas ?? {})) {
    for (const [i, value] of (schema.examples ?? []).entries()) {
      out.push({
        where: `#/components/schemas/${name} examples[${i}]`,
        schema: { $ref: `#/components/schemas/${name}` },
        value,
        media: "application/json",
      });
    }
  }
  return out;
}

/**
 * Every outermost JSON object embedded in a text: the seeds mix prose, curl lines and HTTP traces
 * with their JSON bodies, so candidates are found by brace matching and kept when they parse.
 */
export function jsonObjectsIn(text: string): unknown[] {
  const found: unknown[] = [];
  for (let start = text.indexOf("{"); start !== -1; ) {
    const end = matchingBrace(text, start);
    if (end !== -1) {
      try {
        const value = JSON.parse(text.slice(start, end + 1));
        if (value && typeof value === "object" && Object.keys(value).length > 0) {
          found.push(value);
          start = text.indexOf("{", end + 1);
          continue;
        }
      } catch {
        // Not JSON (a template tag, a URL parameter): look further on.
      }
    }
    start = text.indexOf("{", start + 1);
  }
  return found;
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}
