/**
 * The HTTP Archive of a run (`--har FILE`): every request the checks made, in HAR 1.2
 * (http://www.softwareishard.com/blog/har-12-spec/), so a failure can be opened in browser devtools
 * or any HAR viewer. Credentials are redacted exactly as in the other reports; bodies keep at most an
 * excerpt (text, or hex for binary) with their full size and MD5 in the comment and in `_size`/`_md5`.
 * Each entry carries the rule whose check made it (`_rule`), its protocol and the property run
 * (`_run`, 0 outside a property).
 */
import { createRequire } from "node:module";
import type { BodyInfo } from "../exchange.ts";
import type { Report } from "../report.ts";
import type { RecordedExchange } from "../runner.ts";

const VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  206: "Partial Content",
  302: "Found",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function describe(body: BodyInfo | undefined): string | undefined {
  if (!body) return undefined;
  if (body.note) return body.note;
  const size = body.size === undefined ? "unknown size" : `${body.size} bytes`;
  const shown = body.text !== undefined ? "text" : "hex of the first bytes";
  return `${size}, md5 ${body.md5 ?? "unknown"}${body.truncated ? `; truncated: ${shown} only` : ""}${
    body.text === undefined && body.hex !== undefined ? "; binary, shown as hex" : ""
  }`;
}

function extras(body: BodyInfo | undefined): Record<string, unknown> {
  if (!body) return {};
  return {
    ...(body.size === undefined ? {} : { _size: body.size }),
    ...(body.md5 === undefined ? {} : { _md5: body.md5 }),
    ...(body.truncated ? { _truncated: true } : {}),
    ...(body.multipart
      ? {
          _multipart: {
            boundary: body.multipart.boundary,
            parts: body.multipart.parts.map((p) => ({
              headers: p.headers,
              size: p.body.size,
              md5: p.body.md5,
            })),
          },
        }
      : {}),
  };
}

const headersOf = (list: readonly (readonly [string, string])[] | undefined) =>
  (list ?? []).map(([name, value]) => ({ name, value }));

/** A redacted URL as a valid URI: the marker percent-encoded (it decodes to the same text). */
const uri = (url: string): string => url.replaceAll("[redacted]", "%5Bredacted%5D");

function entry({ rule, protocol, run, exchange }: RecordedExchange) {
  const url = new URL(uri(exchange.url));
  const status = exchange.status === "network-error" ? 0 : exchange.status;
  const request = exchange.requestBody;
  const response = exchange.responseBody;
  const requestType =
    request?.contentType ??
    exchange.requestHeaders?.find(([n]) => n.toLowerCase() === "content-type")?.[1] ??
    "application/octet-stream";
  const responseType =
    response?.contentType ??
    exchange.responseHeaders?.find(([n]) => n.toLowerCase() === "content-type")?.[1] ??
    "";
  const time = exchange.durationMs ?? 0;
  return {
    startedDateTime: exchange.startedAt ?? new Date(0).toISOString(),
    time,
    request: {
      method: exchange.method,
      url: uri(exchange.url),
      httpVersion: "HTTP/1.1",
      cookies: [],
      headers: headersOf(exchange.requestHeaders),
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(request
        ? {
            postData: {
              mimeType: requestType,
              text: request.text ?? request.hex ?? "",
              comment: describe(request),
              ...extras(request),
            },
          }
        : {}),
      headersSize: -1,
      bodySize: request?.size ?? (request ? -1 : 0),
    },
    response: {
      status,
      statusText: status === 0 ? "network error" : (STATUS_TEXT[status] ?? ""),
      httpVersion: "HTTP/1.1",
      cookies: [],
      headers: headersOf(exchange.responseHeaders),
      content: {
        size: response?.size ?? 0,
        mimeType: responseType,
        ...(response?.text !== undefined ? { text: response.text } : {}),
        ...(response?.text === undefined && response?.hex !== undefined ? { text: response.hex } : {}),
        ...(describe(response) ? { comment: describe(response) } : {}),
        ...extras(response),
      },
      redirectURL: "",
      headersSize: -1,
      bodySize: response?.size ?? -1,
      ...(exchange.status === "network-error" ? { _error: exchange.responseExcerpt ?? "network error" } : {}),
    },
    cache: {},
    timings: { send: 0, wait: time, receive: 0 },
    comment: `${rule}${run > 0 ? ` run ${run}` : ""}`,
    _rule: rule,
    _protocol: protocol,
    _run: run,
  };
}

/** The HAR 1.2 document of a run's exchanges, as JSON text. */
export function formatHar(entries: readonly RecordedExchange[], report?: Report): string {
  const har = {
    log: {
      version: "1.2",
      creator: { name: "partwise conformance", version: VERSION },
      pages: [],
      entries: entries.map(entry),
      ...(report
        ? { comment: `protocol ${report.protocol} · target ${report.target} · seed ${report.seed}` }
        : {}),
    },
  };
  return `${JSON.stringify(har, null, 2)}\n`;
}
