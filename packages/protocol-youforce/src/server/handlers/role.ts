/**
 * The `role` query parameter (specs/youforce.yaml `Role`): `publisher` or `subscriber`, matched
 * case-insensitively. Listing requires it; download and delete fall back to a default when it is
 * absent (the lenient reading: the guides' URLs carry it, but it adds nothing the server needs).
 */
import { quote, refuse } from "../errors.ts";
import type { Role } from "../filter.ts";

export function parseRole(raw: string | null, fallback: Role | undefined): Role {
  if (raw === null || raw === "") {
    if (fallback !== undefined) return fallback;
    refuse(400, "role is required: publisher or subscriber (specs/youforce.yaml, parameter role)");
  }
  const role = raw.toLowerCase();
  if (role !== "publisher" && role !== "subscriber")
    refuse(
      400,
      `role must be publisher or subscriber, not ${quote(raw)} (specs/youforce.yaml, parameter role)`,
    );
  return role;
}
