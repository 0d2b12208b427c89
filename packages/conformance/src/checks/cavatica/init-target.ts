/**
 * CV-INIT-TARGET (must): initialization names exactly one target, `project` or `parent`; neither
 * or both is refused with 400.
 * Source: https://sb-biodatacatalyst.readme.io/docs/initialize-a-multipart-upload, "project
 * Required | String | The name of the project you want to upload a file to."; api-status-codes 5029
 * (missing `parent` or `project`) and 5031 (both given), HTTP 400.
 *
 * Check: generated init bodies with neither target (absent or `null`) and with both are refused
 * with 400; the target the suite was given (`--project` or `--parent`, each when both are given)
 * alone is accepted. Where only one is given, the other of a "both" body is a made-up id: the
 * refusal must come from giving two, whatever they name; as a server may look the made-up one up
 * first, 403 and 404 are accepted for such a body too (the documents do not order the checks).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { abortUpload, isSuccess, targetOf, tryInit, uniqueName } from "./protocol.ts";

const MADE_UP_PROJECT = "partwise-conformance/made-up-project";
const MADE_UP_PARENT = "partwise-conformance-made-up-folder";

type Absent = "absent" | "null";

export const cvInitTarget: Check = {
  id: "CV-INIT-TARGET",
  protocol: "cavatica",
  title: "Init with neither or both of project and parent is refused with 400; one alone succeeds",
  async run(ctx) {
    targetOf(ctx);
    const project = ctx.target.project ?? MADE_UP_PROJECT;
    const parent = ctx.target.parent ?? MADE_UP_PARENT;
    const absent = fc.constantFrom<Absent>("absent", "null");
    const body = fc.oneof(
      fc.record({ kind: fc.constant("neither" as const), project: absent, parent: absent }),
      fc.record({ kind: fc.constant("both" as const), projectFirst: fc.boolean() }),
    );
    await ctx.property(
      body,
      async (variant) => {
        const name = uniqueName("target");
        let sent: Record<string, unknown>;
        if (variant.kind === "neither")
          sent = {
            ...(variant.project === "null" ? { project: null } : {}),
            ...(variant.parent === "null" ? { parent: null } : {}),
            name,
          };
        else sent = variant.projectFirst ? { project, parent, name } : { parent, project, name };
        const answer = await tryInit(ctx, sent);
        const madeUp =
          variant.kind === "both" && (ctx.target.project === undefined || ctx.target.parent === undefined);
        if (answer.status !== 400 && !(madeUp && (answer.status === 403 || answer.status === 404)))
          ctx.fail(
            `init with ${variant.kind === "neither" ? "neither target" : "both project and parent"} answered ${answer.status}, not 400`,
          );
      },
      { numRuns: 12 },
    );
    const alone = [
      ...(ctx.target.project === undefined ? [] : [{ project: ctx.target.project }]),
      ...(ctx.target.parent === undefined ? [] : [{ parent: ctx.target.parent }]),
    ];
    for (const target of alone) {
      const answer = await tryInit(ctx, { ...target, name: uniqueName("target") });
      if (!isSuccess(answer.status))
        ctx.fail(`init with ${Object.keys(target)[0]} alone answered ${answer.status}, not 200`);
      const id = answer.json<{ upload_id?: string }>()?.upload_id;
      if (id !== undefined) await abortUpload(ctx, id);
    }
  },
};
