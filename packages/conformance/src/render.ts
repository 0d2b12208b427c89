/**
 * Renders a fast-check counterexample as bounded text for reports: byte arrays by their length (a
 * 5 MiB part would otherwise print five million numbers), long strings and lists cut, and
 * model-based command sequences by their own `toString` (the commands that ran).
 */
import fc from "fast-check";

const MAX_STRING = 200;
const MAX_ITEMS = 50;
const MAX_DEPTH = 6;

function show(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) return "…";
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
    if (bytes.length <= 16) return fc.stringify(bytes);
    return `${value.constructor.name}(${bytes.length} bytes)`;
  }
  if (typeof value === "string") {
    if (value.length <= MAX_STRING) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, MAX_STRING))}… (${value.length} chars)`;
  }
  if (value === null || typeof value !== "object") return fc.stringify(value);
  if (fc.hasToStringMethod(value) || fc.hasAsyncToStringMethod(value)) return fc.stringify(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => show(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… (${value.length} items)`);
    return `[${items.join(",")}]`;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return fc.stringify(value);
  const entries = Object.entries(value);
  const shown = entries
    .slice(0, MAX_ITEMS)
    .map(([key, item]) => `${JSON.stringify(key)}:${show(item, depth + 1)}`);
  if (entries.length > MAX_ITEMS) shown.push(`… (${entries.length} keys)`);
  return `{${shown.join(",")}}`;
}

export function renderCounterexample(value: unknown, limit = 4000): string {
  let text: string;
  try {
    text = show(value, 0);
  } catch {
    text = String(value);
  }
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} chars)`;
}
