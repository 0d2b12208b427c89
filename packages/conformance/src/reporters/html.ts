/**
 * The HTML report (`--reporter html`, `--report-dir`): one self-contained page — no network, no
 * external file — that a person reads at a glance: the run's summary, every rule with its title,
 * level, status, duration and the document it rests on, filters (failed, must, protocol, text), and
 * for each failure or error the statement, the counterexample, every exchange of the failing run
 * (headers, bodies: binary as size + MD5 + hex, multipart part by part with its delimiter lines) and
 * the replay command with a copy button. Everything from the server is escaped; credentials were
 * redacted when the exchanges were recorded.
 */
import type { Exchange } from "../check.ts";
import type { BodyInfo } from "../exchange.ts";
import { type CheckResult, exitCodeOf, type Report, type Status } from "../report.ts";
import { printable } from "./details.ts";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const duration = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const LABEL: Record<Status, string> = {
  passed: "passed",
  failed: "failed",
  skipped: "skipped",
  error: "error",
};

function source(text: string | undefined): string {
  if (!text) return "";
  return escapeHtml(text).replace(
    /https?:\/\/[^\s)&;"'<>\]]+/g,
    (url) => `<a href="${url}" rel="noreferrer noopener">${url}</a>`,
  );
}

function headers(list: Exchange["requestHeaders"], title: string): string {
  if (!list || list.length === 0) return "";
  const lines = list.map(([name, value]) => `${escapeHtml(name)}: ${escapeHtml(value)}`).join("\n");
  return `<details class="headers"><summary>${title} (${list.length})</summary><pre>${lines}</pre></details>`;
}

function bodySummary(body: BodyInfo): string {
  const size = body.size === undefined ? "size unknown" : `${body.size.toLocaleString("en")} bytes`;
  return [size, body.md5 ? `MD5 ${body.md5}` : "", body.contentType ? escapeHtml(body.contentType) : ""]
    .filter(Boolean)
    .join(" · ");
}

function body(info: BodyInfo | undefined, title: string): string {
  if (!info) return "";
  if (info.note)
    return `<div class="body"><h5>${title}</h5><p class="note">${escapeHtml(info.note)}</p></div>`;
  let view: string;
  if (info.multipart) {
    const { boundary, parts } = info.multipart;
    const delimiter = `<div class="delimiter">--${escapeHtml(boundary)}</div>`;
    view = `<div class="multipart">${parts
      .map(
        (part, i) =>
          `${delimiter}<div class="part"><div class="part-title">part ${i + 1} · ${bodySummary(part.body)}</div><pre class="part-headers">${escapeHtml(part.headers)}</pre>${excerpt(part.body)}</div>`,
      )
      .join("")}<div class="delimiter">--${escapeHtml(boundary)}--</div></div>`;
  } else view = excerpt(info);
  return `<div class="body"><h5>${title} <span class="dim">${bodySummary(info)}</span></h5>${view}</div>`;
}

function excerpt(info: BodyInfo): string {
  const more = info.truncated ? `<p class="dim">… truncated (${bodySummary(info)})</p>` : "";
  if (info.text !== undefined) return info.text === "" ? "" : `<pre>${escapeHtml(info.text)}</pre>${more}`;
  if (info.hex !== undefined)
    return `<pre class="hex" title="binary, first bytes as hex">${escapeHtml(info.hex)}</pre>${more}`;
  return "";
}

function exchange(x: Exchange, index: number): string {
  const status = x.status === "network-error" ? "network error" : String(x.status);
  const tone = x.status === "network-error" || x.status >= 500 ? "bad" : x.status >= 400 ? "warn" : "good";
  return `<li class="exchange"><div class="request-line"><span class="n">${index + 1}</span> <b>${escapeHtml(x.method)}</b> <span class="url">${escapeHtml(x.url)}</span> → <span class="http ${tone}">${status}</span>${x.durationMs === undefined ? "" : ` <span class="dim">${x.durationMs} ms</span>`}</div>${headers(x.requestHeaders, "request headers")}${body(x.requestBody, "request body")}${
    x.requestBody === undefined && x.requestExcerpt ? `<pre>${escapeHtml(x.requestExcerpt)}</pre>` : ""
  }${headers(x.responseHeaders, "response headers")}${body(x.responseBody, "response body")}${
    x.responseBody === undefined && x.responseExcerpt ? `<pre>${escapeHtml(x.responseExcerpt)}</pre>` : ""
  }</li>`;
}

function details(result: CheckResult): string {
  const rows: string[] = [];
  const row = (name: string, html: string) => rows.push(`<dt>${name}</dt><dd>${html}</dd>`);
  if (result.statement) row("rule", escapeHtml(result.statement));
  if (result.source) row("source", source(result.source));
  if (result.message)
    row(result.status === "failed" ? "failed" : result.status, `<pre>${escapeHtml(result.message)}</pre>`);
  if (result.counterexample !== undefined)
    row("counterexample", `<pre>${escapeHtml(result.counterexample)}</pre>`);
  if (result.seed !== undefined)
    row("seed", `${result.seed}${result.path ? ` · path ${escapeHtml(result.path)}` : ""}`);
  if (result.replay)
    row(
      "replay",
      `<div class="replay"><code>${escapeHtml(result.replay)}</code><button type="button" class="copy" data-copy="${escapeHtml(result.replay)}">Copy</button></div>`,
    );
  const exchanges = result.exchanges ?? (result.exchange ? [result.exchange] : []);
  const list =
    exchanges.length === 0
      ? ""
      : `<h4>Exchanges of the failing run (${exchanges.length})</h4><ol class="exchanges">${exchanges.map(exchange).join("")}</ol>`;
  return `<dl>${rows.join("")}</dl>${list}`;
}

function ruleRow(result: CheckResult, index: number): string {
  const expandable = result.status !== "passed";
  const id = `d${index}`;
  const text = `${result.id} ${result.title} ${result.statement ?? ""} ${result.message ?? ""}`.toLowerCase();
  const toggle = expandable
    ? `<button type="button" class="toggle" aria-expanded="false" aria-controls="${id}">${escapeHtml(result.id)}</button>`
    : `<span class="id">${escapeHtml(result.id)}</span>`;
  const status = `${LABEL[result.status]}${result.baseline ? " (known)" : ""}${result.unchecked ? " (no check)" : ""}`;
  const row = `<tr class="rule ${result.status}" data-status="${result.status}" data-level="${result.level}" data-protocol="${result.protocol}" data-text="${escapeHtml(text)}"><td data-label="Rule">${toggle}</td><td data-label="Title">${escapeHtml(result.title)}</td><td data-label="Level"><span class="level ${result.level}">${result.level}</span></td><td data-label="Status"><span class="status ${result.status}">${status}</span></td><td data-label="Time">${duration(result.durationMs)}</td><td data-label="Source" class="source">${source(result.source)}</td></tr>`;
  if (!expandable) return row;
  return `${row}<tr class="detail" id="${id}" hidden data-for="${result.id}"><td colspan="6">${details(result)}</td></tr>`;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2125;--dim:#6b7280;--line:#e5e7eb;--card:#f8fafc;--good:#15803d;--bad:#b91c1c;--warn:#b45309;--err:#7e22ce}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e5e7eb;--dim:#9ca3af;--line:#2d333b;--card:#1a1f26;--good:#4ade80;--bad:#f87171;--warn:#fbbf24;--err:#c084fc}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main{padding:16px 20px;max-width:1400px;margin:0 auto}h1{font-size:20px;margin:0 0 4px}.meta,.dim{color:var(--dim)}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}.count{border:1px solid var(--line);border-radius:8px;padding:6px 12px;background:var(--card)}
.count b{font-size:18px;display:block}.count.failed b{color:var(--bad)}.count.passed b{color:var(--good)}.count.error b{color:var(--err)}.count.skipped b{color:var(--warn)}
.verdict{font-weight:600;padding:8px 12px;border-radius:8px;display:inline-block}.verdict.ok{background:color-mix(in srgb,var(--good) 15%,transparent)}.verdict.ko{background:color-mix(in srgb,var(--bad) 15%,transparent)}.verdict.untested{background:color-mix(in srgb,var(--err) 15%,transparent)}
.untested{border-left:4px solid var(--err);padding:6px 12px;margin:8px 0;background:var(--card)}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:12px 0;position:sticky;top:0;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line);z-index:1}
.filters input[type=search]{min-width:14em;flex:1;max-width:28em;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:12px;text-transform:uppercase;color:var(--dim)}
td.source{font-size:12px;color:var(--dim);max-width:28em;overflow-wrap:anywhere}a{color:inherit}
.status{font-weight:600}.status.passed{color:var(--good)}.status.failed{color:var(--bad)}.status.skipped{color:var(--warn)}.status.error{color:var(--err)}
.level{font-size:12px;border:1px solid var(--line);border-radius:4px;padding:0 4px}.level.must{font-weight:700}
.toggle{font:inherit;font-weight:600;background:none;border:0;padding:0;color:inherit;cursor:pointer;text-decoration:underline dotted}.toggle::before{content:"▸ "}.toggle[aria-expanded=true]::before{content:"▾ "}
tr.detail>td{background:var(--card)}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:4px 0}dt{color:var(--dim)}dd{margin:0;min-width:0}
pre{margin:4px 0;padding:6px 8px;background:var(--bg);border:1px solid var(--line);border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:24em;overflow:auto}
.replay{display:flex;gap:8px;align-items:flex-start}.replay code{flex:1;overflow-wrap:anywhere;font-size:12px}.copy{cursor:pointer}
ol.exchanges{padding-left:0;list-style:none}.exchange{border:1px solid var(--line);border-radius:8px;padding:8px;margin:8px 0;background:var(--bg)}
.request-line{font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere}.n{color:var(--dim)}.http.good{color:var(--good)}.http.warn{color:var(--warn)}.http.bad{color:var(--bad)}
.body h5{margin:6px 0 2px;font-size:12px}.delimiter{font:12px ui-monospace,monospace;color:var(--err);padding:2px 0}.part{border-left:3px solid var(--line);padding-left:8px}.part-title{font-size:12px;color:var(--dim)}
details.headers summary{cursor:pointer;font-size:12px;color:var(--dim)}
@media (max-width:700px){body{overflow-wrap:anywhere}.filters input[type=search]{min-width:0;width:100%}header,main{padding:12px}thead{display:none}table,tbody,tr,td{display:block;width:100%}tr.rule{border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:4px}
td{border:0;padding:2px 6px}td::before{content:attr(data-label);display:inline-block;width:5.5em;color:var(--dim);font-size:12px}tr.detail>td::before{content:none}dl{grid-template-columns:1fr}.replay{flex-direction:column}}
`;

const SCRIPT = `
(() => {
  const $ = (s) => document.querySelector(s);
  const rows = [...document.querySelectorAll("tr.rule")];
  const apply = () => {
    const failed = $("#f-failed").checked, must = $("#f-must").checked;
    const protocol = $("#f-protocol").value, text = $("#f-text").value.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      const d = row.dataset;
      const visible = (!failed || d.status === "failed" || d.status === "error") && (!must || d.level === "must") &&
        (!protocol || d.protocol === protocol) && (!text || d.text.includes(text));
      row.hidden = !visible;
      const detail = row.nextElementSibling;
      if (detail && detail.classList.contains("detail"))
        detail.hidden = !visible || row.querySelector(".toggle").getAttribute("aria-expanded") !== "true";
      if (visible) shown++;
    }
    $("#shown").textContent = shown + " of " + rows.length + " rules";
  };
  for (const id of ["#f-failed", "#f-must", "#f-protocol", "#f-text"]) $(id).addEventListener("input", apply);
  document.addEventListener("click", async (event) => {
    const toggle = event.target.closest(".toggle");
    if (toggle) {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      document.getElementById(toggle.getAttribute("aria-controls")).hidden = !open;
    }
    const copy = event.target.closest(".copy");
    if (copy) {
      const text = copy.dataset.copy;
      try { await navigator.clipboard.writeText(text); copy.textContent = "Copied"; }
      catch { const r = document.createRange(); r.selectNodeContents(copy.previousElementSibling);
        const s = getSelection(); s.removeAllRanges(); s.addRange(r); copy.textContent = "Selected: press Ctrl+C"; }
    }
  });
  apply();
})();
`;

export function formatHtml(report: Report): string {
  const { summary } = report;
  const code = exitCodeOf(report);
  const byLevel = (level: "must" | "should") => {
    const checks = report.checks.filter((c) => c.level === level);
    return `${checks.filter((c) => c.status === "passed").length}/${checks.length}`;
  };
  const protocols = [...new Set(report.checks.map((c) => c.protocol))];
  const verdict =
    code === 0
      ? `<span class="verdict ok">Every must rule kept${report.strict ? " (and every should rule: strict)" : ""} · exit 0</span>`
      : code === 1
        ? `<span class="verdict ko">${summary.broken} rule${summary.broken === 1 ? "" : "s"} broken${report.interrupted ? " · interrupted" : ""} · exit 1</span>`
        : `<span class="verdict untested">Not fully tested: ${summary.errors} check${summary.errors === 1 ? "" : "s"} reached no verdict · exit 2</span>`;
  const count = (status: Status, n: number) =>
    `<div class="count ${status}"><b>${n}</b>${LABEL[status]}</div>`;
  const title = `partwise conformance · ${report.protocol} · ${code === 0 ? "passed" : code === 1 ? "failed" : "not tested"}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>partwise conformance</h1>
<p class="meta">protocol <b>${escapeHtml(report.protocol)}</b> · target <b>${escapeHtml(report.target)}</b> · seed <b>${report.seed}</b> · ${report.numRuns} runs per property · ${duration(report.durationMs)} · started ${escapeHtml(report.startedAt)}</p>
${verdict}
<div class="counts">${count("passed", summary.passed)}${count("failed", summary.failed)}${count("skipped", summary.skipped)}${count("error", summary.errors)}<div class="count"><b>${byLevel("must")}</b>must kept</div><div class="count"><b>${byLevel("should")}</b>should kept</div></div>
${(report.untested ?? []).map((u) => `<div class="untested"><b>${escapeHtml(u.protocol)}</b>: ${escapeHtml(u.target)} could not be tested: ${escapeHtml(u.cause)}. No rule was judged.</div>`).join("\n")}
</header>
<main>
<div class="filters" role="search">
<label><input type="checkbox" id="f-failed"> failed or error only</label>
<label><input type="checkbox" id="f-must"> must only</label>
<label>protocol <select id="f-protocol"><option value="">all</option>${protocols.map((p) => `<option value="${p}">${p}</option>`).join("")}</select></label>
<input type="search" id="f-text" placeholder="search rules, titles, messages" aria-label="search">
<span id="shown" class="dim"></span>
</div>
<table id="rules">
<thead><tr><th>Rule</th><th>Title</th><th>Level</th><th>Status</th><th>Time</th><th>Source</th></tr></thead>
<tbody>
${report.checks.map(ruleRow).join("\n")}
</tbody>
</table>
<p class="dim">must: a document states the rule (the source quotes it) · should: an inference, fails the run only with --strict · error: no verdict (not a broken rule) · skipped: cannot be tested against this target.</p>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
