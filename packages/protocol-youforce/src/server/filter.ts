/**
 * `$filter` and `$orderBy` of `GET /files` (specs/youforce.yaml parameters `Filter`, `OrderBy`;
 * guides_search_for_files.html, guides_search_for_uploaded_files.html). The grammar the guides
 * describe, all of which is implemented:
 *
 *     filter     = expression
 *     expression = term *( SP ( "and" / "or" ) SP term )      ; "and" binds tighter than "or"
 *     term       = "(" expression ")" / comparison / function
 *     comparison = field SP operator SP value
 *     operator   = "eq" / "ne" / "gt" / "ge" / "lt" / "le"
 *     function   = ( "startsWith" / "endsWith" / "contains" ) "(" "fileName" "," *SP string ")"
 *     value      = datetime / integer / string               ; datetime: 2023-08-08T11:02:00Z
 *     string     = "'" *( %x20-26 / %x28-7E / "''" ) "'"
 *
 * Publisher fields: `uploadDate`, `businessType`, `fileName`; subscribers add `deleteDate`,
 * `lastDownloadDate` and `status` ('available', 'all', 'downloaded', 'deleted'). Field, function
 * and operator names are case-insensitive (the PowerShell README writes `startsWith(FileName, …)`).
 * A filter that does not parse, names a field the role does not have or compares a field with a
 * value of the wrong kind is refused with 400: it is never silently ignored.
 */
import { quote, refuse } from "./errors.ts";

export type Role = "publisher" | "subscriber";

/** What a filter sees of one file, for one caller. */
export interface FilterSubject {
  readonly fileName: string;
  readonly businessType: number;
  readonly uploadDate: number;
  readonly deleteDate: number | undefined;
  readonly lastDownloadDate: number | undefined;
  readonly downloaded: boolean;
  readonly deleted: boolean;
}

export type Predicate = (subject: FilterSubject) => boolean;

export interface ParsedFilter {
  readonly test: Predicate;
  /** The filter names `status`; otherwise a subscriber sees only available files. */
  readonly mentionsStatus: boolean;
}

const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 32;

type Token =
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "number"; readonly text: string }
  | { readonly kind: "datetime"; readonly text: string }
  | { readonly kind: "punct"; readonly text: "(" | ")" | "," };

function fail(message: string): never {
  refuse(400, `Invalid $filter: ${message} (specs/youforce.yaml, parameter $filter)`);
}

const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?/i;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: "punct", text: c });
      i++;
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) fail("unterminated string literal");
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: "string", text: value });
    } else if (/\d/.test(c)) {
      const date = DATETIME.exec(text.slice(i));
      if (date && date[0].length > 4 && date[0].includes("-")) {
        tokens.push({ kind: "datetime", text: date[0] });
        i += date[0].length;
      } else {
        const number = /^\d+/.exec(text.slice(i))![0];
        tokens.push({ kind: "number", text: number });
        i += number.length;
      }
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      tokens.push({ kind: "word", text: word });
      i += word.length;
    } else {
      fail(`unexpected character ${quote(c)} at index ${i}`);
    }
  }
  return tokens;
}

type Field = "uploaddate" | "deletedate" | "lastdownloaddate" | "businesstype" | "filename" | "status";
const FIELDS_OF: Record<Role, readonly Field[]> = {
  publisher: ["uploaddate", "businesstype", "filename"],
  subscriber: ["uploaddate", "deletedate", "lastdownloaddate", "businesstype", "filename", "status"],
};
const FIELD_NAMES: Record<Field, string> = {
  uploaddate: "uploadDate",
  deletedate: "deleteDate",
  lastdownloaddate: "lastDownloadDate",
  businesstype: "businessType",
  filename: "fileName",
  status: "status",
};
const OPERATORS = ["eq", "ne", "gt", "ge", "lt", "le"] as const;
type Operator = (typeof OPERATORS)[number];
const FUNCTIONS = ["startswith", "endswith", "contains"] as const;

function compare<T extends number | string>(op: Operator, a: T, b: T): boolean {
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
  }
}

class Parser {
  private i = 0;
  mentionsStatus = false;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly role: Role,
  ) {}

  parse(): Predicate {
    const predicate = this.expression(0);
    if (this.i < this.tokens.length) fail(`unexpected ${quote(this.tokens[this.i]!.text)}`);
    return predicate;
  }

  private peekWord(): string | undefined {
    const token = this.tokens[this.i];
    return token?.kind === "word" ? token.text.toLowerCase() : undefined;
  }

  private expression(depth: number): Predicate {
    if (depth > MAX_DEPTH) fail("too deeply nested");
    const alternatives = [this.conjunction(depth)];
    while (this.peekWord() === "or") {
      this.i++;
      alternatives.push(this.conjunction(depth));
    }
    return alternatives.length === 1 ? alternatives[0]! : (s) => alternatives.some((p) => p(s));
  }

  private conjunction(depth: number): Predicate {
    const terms = [this.term(depth)];
    while (this.peekWord() === "and") {
      this.i++;
      terms.push(this.term(depth));
    }
    return terms.length === 1 ? terms[0]! : (s) => terms.every((p) => p(s));
  }

  private expect(text: "(" | ")" | ","): void {
    const token = this.tokens[this.i];
    if (token?.kind !== "punct" || token.text !== text)
      fail(`expected "${text}"${token ? ` before ${quote(token.text)}` : " at the end"}`);
    this.i++;
  }

  private term(depth: number): Predicate {
    const token = this.tokens[this.i];
    if (token === undefined) fail("unexpected end of the filter");
    if (token.kind === "punct" && token.text === "(") {
      this.i++;
      const inner = this.expression(depth + 1);
      this.expect(")");
      return inner;
    }
    if (token.kind !== "word") fail(`expected a field or function, not ${quote(token.text)}`);
    const name = token.text.toLowerCase();
    this.i++;
    if ((FUNCTIONS as readonly string[]).includes(name)) return this.fn(name as (typeof FUNCTIONS)[number]);
    return this.comparison(name, token.text);
  }

  private fn(name: (typeof FUNCTIONS)[number]): Predicate {
    this.expect("(");
    const field = this.tokens[this.i];
    if (field?.kind !== "word" || field.text.toLowerCase() !== "filename")
      fail(`${name} applies to fileName only`);
    this.i++;
    this.expect(",");
    const value = this.tokens[this.i];
    if (value?.kind !== "string") fail(`${name} takes a quoted string`);
    this.i++;
    this.expect(")");
    const needle = value.text;
    switch (name) {
      case "startswith":
        return (s) => s.fileName.startsWith(needle);
      case "endswith":
        return (s) => s.fileName.endsWith(needle);
      case "contains":
        return (s) => s.fileName.includes(needle);
    }
  }

  private comparison(name: string, original: string): Predicate {
    if (!(FIELDS_OF[this.role] as readonly string[]).includes(name))
      fail(
        `${quote(original)} is not a field of role=${this.role}; use ${FIELDS_OF[this.role].map((f) => FIELD_NAMES[f]).join(", ")}`,
      );
    const field = name as Field;
    const opToken = this.tokens[this.i];
    const op = opToken?.kind === "word" ? opToken.text.toLowerCase() : undefined;
    if (op === undefined || !(OPERATORS as readonly string[]).includes(op))
      fail(`expected an operator (eq, ne, gt, ge, lt, le) after ${quote(original)}`);
    this.i++;
    const value = this.tokens[this.i];
    if (value === undefined) fail(`expected a value after ${quote(original)} ${op}`);
    this.i++;
    return this.predicate(field, op as Operator, value);
  }

  private predicate(field: Field, op: Operator, value: Token): Predicate {
    switch (field) {
      case "filename": {
        if (value.kind !== "string") fail("fileName is compared with a quoted string");
        return (s) => compare(op, s.fileName, value.text);
      }
      case "businesstype": {
        const id = value.kind === "number" || value.kind === "string" ? Number(value.text) : NaN;
        if (!Number.isSafeInteger(id) || !/^\d+$/.test(value.text))
          fail("businessType is compared with an integer");
        return (s) => compare(op, s.businessType, id);
      }
      case "status": {
        if (op !== "eq" && op !== "ne") fail("status is compared with eq or ne");
        const status = value.kind === "string" ? value.text.toLowerCase() : "";
        if (!["available", "all", "downloaded", "deleted"].includes(status))
          fail("status is one of 'available', 'all', 'downloaded', 'deleted'");
        this.mentionsStatus = true;
        const is = (s: FilterSubject): boolean =>
          status === "all"
            ? true
            : status === "available"
              ? !s.downloaded && !s.deleted
              : status === "downloaded"
                ? s.downloaded
                : s.deleted;
        return op === "eq" ? is : (s) => !is(s);
      }
      default: {
        // uploadDate, deleteDate, lastDownloadDate: OData DateTime, bare or quoted.
        const time = value.kind === "datetime" || value.kind === "string" ? Date.parse(value.text) : NaN;
        if (Number.isNaN(time))
          fail(`${FIELD_NAMES[field]} is compared with a date-time such as 2023-08-08T11:02:00Z`);
        const pick = (s: FilterSubject): number | undefined =>
          field === "uploaddate" ? s.uploadDate : field === "deletedate" ? s.deleteDate : s.lastDownloadDate;
        // A date the file does not have (never deleted, never downloaded) matches only `ne`.
        return (s) => {
          const at = pick(s);
          return at === undefined ? op === "ne" : compare(op, at, time);
        };
      }
    }
  }
}

/** Parses `$filter` for a role; refuses (400) anything it does not understand. */
export function parseFilter(text: string | null, role: Role): ParsedFilter {
  if (text === null || text.trim() === "") return { test: () => true, mentionsStatus: false };
  if (text.length > MAX_FILTER_LENGTH) fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  const parser = new Parser(tokenize(text), role);
  const test = parser.parse();
  return { test, mentionsStatus: parser.mentionsStatus };
}

/** `$orderBy`: `uploadDate [asc|desc]` (default desc, newest first); anything else is a 400. */
export function parseOrderBy(text: string | null): "asc" | "desc" {
  if (text === null || text.trim() === "") return "desc";
  const match = /^\s*uploadDate(?:\s+(asc|desc))?\s*$/i.exec(text);
  if (!match)
    refuse(
      400,
      `Invalid $orderBy ${quote(text)}: only "uploadDate asc" and "uploadDate desc" are supported (specs/youforce.yaml, parameter $orderBy)`,
    );
  return (match[1]?.toLowerCase() as "asc" | "desc" | undefined) ?? "desc";
}
