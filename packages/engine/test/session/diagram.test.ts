/// <reference types="vite/client" />
/**
 * The state diagram in docs/session.md is generated from the transition table, so docs cannot
 * drift: this test fails when the file's Mermaid block differs from `sessionStateDiagram()`.
 * `vitest run test/session/diagram.test.ts -u` rewrites that block (and only it).
 */
import { describe, expect, it } from "vitest";
import doc from "../../docs/session.md?raw";
import { sessionStateDiagram } from "../../src/session/index.ts";
import {
  EVENT_TRANSITIONS,
  IGNORE,
  SESSION_EVENTS,
  type SessionState,
  STATE_DESCRIPTIONS,
  STATE_TRANSITIONS,
} from "../../src/session/transitions.ts";

const MERMAID_BLOCK = /```mermaid\n[\s\S]*?```\n/g;

describe("docs/session.md", () => {
  it("embeds exactly one Mermaid block, and it is the diagram generated from the table", async () => {
    expect(doc.match(MERMAID_BLOCK), "docs/session.md must hold one ```mermaid block").toHaveLength(1);
    const regenerated = doc.replace(MERMAID_BLOCK, () => `\`\`\`mermaid\n${sessionStateDiagram()}\`\`\`\n`);
    await expect(regenerated).toMatchFileSnapshot("../../docs/session.md");
  });
});

describe("sessionStateDiagram", () => {
  const lines = sessionStateDiagram().trimEnd().split("\n");
  const states = Object.keys(STATE_DESCRIPTIONS) as SessionState[];

  it("is a Mermaid stateDiagram-v2 whose labels avoid the characters Mermaid reserves", () => {
    expect(lines[0]).toBe("stateDiagram-v2");
    for (const line of lines.slice(1)) {
      const label = line.split(" : ")[1] ?? "";
      expect(label).not.toMatch(/[:;]/);
    }
  });

  it("draws every row of both tables, and nothing else", () => {
    const arrows = lines.filter((l) => / --> /.test(l) && !l.includes("[*]"));
    const expected = states.flatMap((from) => [
      ...SESSION_EVENTS.flatMap((event) => {
        const entry = EVENT_TRANSITIONS[from][event];
        return entry === undefined || entry === IGNORE
          ? []
          : entry.map((row) => `${from} --> ${row.to} : ${event}`);
      }),
      ...(STATE_TRANSITIONS[from] ?? []).map((row) => `${from} --> ${row.to} : [${row.when}]`),
    ]);
    expect(arrows).toHaveLength(expected.length);
    for (const [i, prefix] of expected.entries()) expect(arrows[i]?.trim().startsWith(prefix)).toBe(true);
  });

  it("describes every state and marks what each state ignores", () => {
    for (const state of states) expect(lines).toContain(`    ${state} : ${STATE_DESCRIPTIONS[state]}`);
    expect(lines).toContain("    note right of done : ignores tick, abort");
    expect(lines).toContain("    note right of failed : ignores every event");
  });
});
