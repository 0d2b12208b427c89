/**
 * What `partwise upload` says about its flags besides parsing them: a warning for each flag that
 * does not apply to this upload (instead of ignoring it silently), and where the uploaded file is.
 */
import type { Protocol } from "./usage.ts";

type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** The flags that belong to one protocol. */
const PROTOCOL_FLAGS: Record<string, Protocol> = {
  "app-result": "basespace",
  directory: "basespace",
  "content-type": "basespace",
  project: "cavatica",
  parent: "cavatica",
  overwrite: "cavatica",
  flatten: "cavatica",
  "business-type-id": "youforce",
};

const given = (flags: Flags, name: string) => flags[name] !== undefined && flags[name] !== false;

/**
 * The largest file each protocol's uploader sends in one request, without parts to size or resume:
 * BaseSpace's simple upload (BASESPACE_SIMPLE_UPLOAD_MAX) and YouForce's multipart/related request
 * (YF-MULTIPART-MAX-SIZE); CAVATICA always uploads in parts. Loaded only for the protocol in use.
 */
export async function oneRequestMax(protocol: Protocol): Promise<number> {
  if (protocol === "basespace")
    return (await import("@partwise/protocol-basespace")).BASESPACE_SIMPLE_UPLOAD_MAX;
  if (protocol === "youforce")
    return (await import("@partwise/protocol-youforce")).YOUFORCE_MULTIPART_MAX_SIZE;
  return 0;
}

/**
 * Warnings for flags that change nothing in this upload. `size` is the file's size (undefined for
 * standard input); `oneRequest` is what `oneRequestMax` says for the protocol.
 */
export function flagWarnings(
  protocol: Protocol,
  flags: Flags,
  size: number | undefined,
  oneRequest: number,
): string[] {
  const warnings: string[] = [];
  for (const [flag, owner] of Object.entries(PROTOCOL_FLAGS))
    if (owner !== protocol && given(flags, flag))
      warnings.push(`--${flag} applies to --protocol ${owner} only; ignored`);
  if (size !== undefined && size <= oneRequest) {
    const ignored = ["part-size", "state"].filter((flag) => given(flags, flag)).map((flag) => `--${flag}`);
    if (ignored.length > 0)
      warnings.push(
        `${ignored.join(" and ")} ${ignored.length === 1 ? "does" : "do"} not apply: ${protocol} sends a file this size in one request (up to ${oneRequest} bytes), without parts to resume`,
      );
  }
  return warnings;
}

/** Where the uploaded file is, in the protocol's own words (`in AppResult 77`). */
export function whereToFind(protocol: Protocol, flags: Flags): string {
  const value = (name: string) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);
  switch (protocol) {
    case "basespace": {
      const directory = value("directory");
      return `in AppResult ${value("app-result")}${directory ? `, directory ${directory}` : ""}`;
    }
    case "cavatica": {
      const project = value("project");
      return project !== undefined ? `in project ${project}` : `in folder ${value("parent")}`;
    }
    case "youforce":
      return `under business type ${value("business-type-id")}`;
  }
}
