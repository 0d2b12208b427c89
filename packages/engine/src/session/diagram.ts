/**
 * Renders the session's transition tables as a Mermaid `stateDiagram-v2` (as h11 does: the docs'
 * state diagrams are generated from the table, so they cannot drift).
 *
 * docs/session.md embeds this output; test/session/diagram.test.ts fails when the two differ.
 * Everything drawn comes from transitions.ts: event rows as `event [guard] / actions`,
 * state-triggered rows as `[guard] / actions`, ignored events as a note. Mermaid forbids `:` and
 * `;` inside labels, and no name or description in the table uses them.
 */

import {
  EVENT_TRANSITIONS,
  IGNORE,
  INITIAL_STATE,
  SESSION_EVENTS,
  type SessionState,
  STATE_DESCRIPTIONS,
  STATE_TRANSITIONS,
  TERMINAL_STATES,
  type Transition,
} from "./transitions.ts";

function label(trigger: string | undefined, row: Transition): string {
  const parts = [trigger, row.when === undefined ? undefined : `[${row.when}]`].filter(Boolean);
  const head = parts.join(" ");
  return row.do.length === 0 ? head : `${head} / ${row.do.join(", ")}`;
}

/** The Mermaid source of the session's state diagram, one statement per line. */
export function sessionStateDiagram(): string {
  const states = Object.keys(STATE_DESCRIPTIONS) as SessionState[];
  const lines = ["stateDiagram-v2", `    [*] --> ${INITIAL_STATE}`];
  for (const state of states) lines.push(`    ${state} : ${STATE_DESCRIPTIONS[state]}`);
  for (const state of states) {
    const ignored: string[] = [];
    for (const event of SESSION_EVENTS) {
      const entry = EVENT_TRANSITIONS[state][event];
      if (entry === undefined) continue;
      if (entry === IGNORE) {
        ignored.push(event);
        continue;
      }
      for (const row of entry) lines.push(`    ${state} --> ${row.to} : ${label(event, row)}`);
    }
    for (const row of STATE_TRANSITIONS[state] ?? []) {
      lines.push(`    ${state} --> ${row.to} : ${label(undefined, row)}`);
    }
    if (ignored.length > 0) {
      const what = ignored.length === SESSION_EVENTS.length ? "every event" : ignored.join(", ");
      lines.push(`    note right of ${state} : ignores ${what}`);
    }
  }
  for (const state of TERMINAL_STATES) lines.push(`    ${state} --> [*]`);
  return `${lines.join("\n")}\n`;
}
