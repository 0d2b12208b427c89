/**
 * CV-FILE-TAGS (should): PUT /files/{file_id}/tags sets the file's tags to the list given and
 * answers it.
 * Source: https://docs.sevenbridges.com/reference/update-file-details, "Any list of tags specified in
 * this request will overwrite the previously set tags on the file."; the answer's shape is an
 * inference from the clients that read it.
 *
 * Check: on a small uploaded file, PUT `["x", "y"]` then PUT `["z"]`; each answers 200, and the file
 * (GET /files/{id}) then carries exactly `["z"]`.
 */
import type { Check } from "../../check.ts";
import { bytesOf, call, uniqueName, uploadSmallFile } from "./protocol.ts";

export const cvFileTags: Check = {
  id: "CV-FILE-TAGS",
  protocol: "cavatica",
  title: "PUT tags overwrites the file's tags",
  async run(ctx) {
    const file = await uploadSmallFile(ctx, bytesOf(8, 5), uniqueName("file-tags"), "", "CV-FILE-TAGS");
    const id = encodeURIComponent(file.id);
    for (const tags of [["x", "y"], ["z"]]) {
      const answer = await call(ctx, "PUT", `/files/${id}/tags`, { body: tags });
      if (answer.status !== 200)
        ctx.fail(`PUT tags ${JSON.stringify(tags)} answered ${answer.status}, not 200`);
    }
    const answer = await call(ctx, "GET", `/files/${id}`);
    const tags = answer.json<{ tags?: unknown }>()?.tags;
    if (answer.status !== 200 || JSON.stringify(tags) !== JSON.stringify(["z"]))
      ctx.fail(`after PUT ["x","y"] then ["z"], the file's tags are ${JSON.stringify(tags)}, not ["z"]`);
  },
};
