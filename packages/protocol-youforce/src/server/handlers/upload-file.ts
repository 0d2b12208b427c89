/**
 * `POST /files?uploadType=multipart|resumable` (operation `uploadFile`; specs/youforce.yaml, [S4],
 * the resumable guide, UploadFile.ps1).
 *
 * - `multipart`: the metadata part and the whole file (at most 100 MB, YF-MULTIPART-MAX-SIZE; MB
 *   as the reading says, YF-SIZE-UNIT); answers **201** with the `File` (YF-CREATED), `numChunks` 1.
 * - `resumable`: the same body with chunk 0 (at most 9 MB, YF-RESUMABLE-CHUNK-SIZE);
 *   answers **201** with `{uploadToken, position: 0}` (YF-RESUMABLE-TOKEN; the status is not
 *   documented, the spec lets the reference server answer 201).
 *
 * Publishing needs the business type (YF-AUTH-ISOLATION): one configured for the token, or one
 * nobody has claimed yet, which the token then claims; others answer 403. Oversized bodies answer
 * 413 while they stream in (or at once from a too large Content-Length), and nothing is stored.
 */
import { parseContentType, toHex } from "@partwise/engine";
import type { HandlerContext } from "../context.ts";
import { fileResource, queryParam } from "../context.ts";
import { refuse } from "../errors.ts";
import type { UploadMetadata } from "../metadata.ts";
import { appendCloseDelimiter, mutateUpload } from "../mutations.ts";
import type { FileDoc, SessionDoc } from "../state.ts";
import { chunkBlob } from "../state.ts";
import {
  checkUploadContentType,
  maxBodySize,
  readUploadBody,
  type UploadBodyLimits,
} from "../upload-body.ts";
import { declaredLength } from "./body.ts";

export async function uploadFile(ctx: HandlerContext): Promise<Response> {
  const { request, state, config, identity } = ctx;
  const uploadType = queryParam(ctx.url, "uploadType")?.toLowerCase();
  if (uploadType !== "multipart" && uploadType !== "resumable")
    refuse(400, "uploadType must be multipart or resumable (specs/youforce.yaml, parameter uploadType)");
  const resumable = uploadType === "resumable";
  // Mutations of the header and body (MIME-*, YF-CONTENT-TYPE); none without mutations.
  const mutated = mutateUpload(config.mutations, request.headers.get("content-type"), request.body);
  const header = mutated.contentType;
  let body = mutated.body;
  const contentType = checkUploadContentType(header, config.reading.contentTypeStatus);
  // Mutation MIME-CLOSE-DELIMITER: a missing close delimiter is made up.
  if (config.mutations.has("MIME-CLOSE-DELIMITER"))
    body = appendCloseDelimiter(parseContentType(contentType).boundary, body);

  const limits: UploadBodyLimits = {
    maxMediaSize: resumable ? config.chunkMaxSize : config.multipartMaxSize,
    mediaRule: resumable ? "YF-RESUMABLE-CHUNK-SIZE" : "YF-MULTIPART-MAX-SIZE",
    maxMetadataSize: config.metadataMaxSize,
    maxHeaderSize: config.headerMaxSize,
    maxFramingSize: 1024 * 1024,
    oversizeStatus: config.reading.oversizeStatus,
  };
  const declared = declaredLength(request);
  // Mutation MIME-LIMIT-BODY-SIZE: the body is not bounded.
  if (
    declared !== undefined &&
    declared > maxBodySize(limits) &&
    !config.mutations.has("MIME-LIMIT-BODY-SIZE")
  )
    refuse(
      config.reading.oversizeStatus,
      `The body declares ${declared} bytes, more than the ${maxBodySize(limits)} bytes a body may have (MIME-LIMIT-BODY-SIZE); the file content may be at most ${limits.maxMediaSize} bytes${resumable ? "" : "; use uploadType=resumable"}`,
      limits.mediaRule,
    );

  const authorize = (metadata: UploadMetadata): void => {
    if (!state.mayPublish(identity, metadata.businessTypeId))
      refuse(
        403,
        `The client is not authorized to publish business type ${metadata.businessTypeId}`,
        "YF-AUTH-ISOLATION",
      );
  };
  const { metadata, media } = await readUploadBody(body, contentType, state.store, limits, {
    deniedExtensions: config.deniedExtensions,
    // Mutation YF-METADATA-CONTENT-TYPE: any declared type is read as JSON.
    metadataJsonOnly: config.reading.metadataJsonOnly && !config.mutations.has("YF-METADATA-CONTENT-TYPE"),
    // Mutation YF-METADATA-KEYS: keys are matched case-sensitively.
    metadataKeysAnyCase: config.reading.metadataKeysAnyCase && !config.mutations.has("YF-METADATA-KEYS"),
    authorize,
    mutations: config.mutations,
  });
  try {
    if (!(await state.claim(identity, metadata.businessTypeId))) authorize(metadata);
    const now = new Date(config.now()).toISOString();
    const custom = metadata.customMetadata === undefined ? {} : { customMetadata: metadata.customMetadata };

    if (resumable) {
      const token = globalThis.crypto.randomUUID();
      await state.withSession(token, async () => {
        await media.commit(chunkBlob(token, 0));
        const session: SessionDoc = {
          token,
          owner: identity.id,
          tenantId: identity.tenantId,
          publisherId: identity.publisherId,
          name: metadata.fileName,
          businessTypeId: metadata.businessTypeId,
          ...custom,
          createdAt: now,
          chunks: { 0: { size: media.size, md5: toHex(media.md5) } },
        };
        await state.putSession(session);
      });
      return Response.json({ uploadToken: token, position: 0 }, { status: config.reading.startStatus });
    }

    const doc: FileDoc = {
      id: globalThis.crypto.randomUUID(),
      name: metadata.fileName,
      size: media.size,
      md5: toHex(media.md5),
      creationDate: now,
      seq: state.nextSeq(),
      tenantId: identity.tenantId,
      publisherId: identity.publisherId,
      owner: identity.id,
      businessTypeId: metadata.businessTypeId,
      numChunks: 1,
      ...custom,
      marks: {},
    };
    await state.addFile(doc, media);
    // Mutation YF-CREATED: 200 instead of 201 Created.
    return Response.json(fileResource(doc), { status: config.mutations.has("YF-CREATED") ? 200 : 201 });
  } finally {
    // A no-op once committed; removes the staged bytes of a refused upload.
    await media.discard();
  }
}
