/** Request-body helpers shared by the upload handlers. */
import { refuse } from "../errors.ts";

/** The `Content-Length` of a request, when declared; a malformed one is a 400. */
export function declaredLength(request: Request): number | undefined {
  const header = request.headers.get("content-length");
  if (header === null) return undefined;
  if (!/^\s*\d{1,16}\s*$/.test(header)) refuse(400, "Content-Length is not a byte count");
  return Number(header);
}
