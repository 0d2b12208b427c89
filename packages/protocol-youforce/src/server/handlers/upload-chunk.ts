/**
 * `PUT /files?uploadType=resumable&uploadToken=…&position=n[&close=true]` (operation `uploadChunk`;
 * specs/youforce.yaml, UploadFile.ps1 `UploadChunkRequest`, the resumable guide).
 *
 * - YF-RESUMABLE-TOKEN, YF-AUTH-ISOLATION: the token of a pending session of the caller; an unknown,
 *   closed or other client's token answers 404.
 * - YF-RESUMABLE-POSITION: `position` ≥ 1 (chunk 0 travels in the POST); chunks may come in any
 *   order and concurrently, and a re-sent position replaces the chunk stored there. The bytes stream
 *   into the store outside the session lock; only the commit and the session document update are
 *   serialised, so concurrent chunks never lose each other.
 * - YF-RESUMABLE-CHUNK-SIZE: at most 9 MB per chunk (9 MiB by default, YF-SIZE-UNIT; the reading's
 *   `chunkMaxSize`), refused with 413 while streaming.
 * - YF-RESUMABLE-CLOSE: `close=true` assembles the positions in numeric order and answers 201 (200
 *   in the strict reading) with the `File` (`numChunks` the chunks, YF-CREATED). Nothing is copied:
 *   the file is recorded as the chunk blobs in order (state.ts `segments`), and its MD5 is the
 *   session's running digest, which hashed the chunks in order as they came (state.ts
 *   `chunkCommitted`). A stored position above n is refused with 400;
 *   YF-RESUMABLE-CLOSE-GAP: a missing lower position is refused with 400 (the lenient reading closes
 *   with the chunks there are); the closing chunk of a refused close is not stored.
 *   Intermediate chunks answer 202 (200 strict); YF-RESUMABLE-RESEND: the strict reading refuses a
 *   chunk at a stored position with 409.
 */
import { BlobTooLargeError, type Store, type UnhashedBlob } from "@partwise/node";
import { youforceResumableLimits } from "../../limits.ts";
import type { HandlerContext } from "../context.ts";
import { fileResource, queryParam } from "../context.ts";
import { quote, refuse } from "../errors.ts";
import { type ChunkDoc, chunkBlob, type FileDoc, isGuid, type SessionDoc } from "../state.ts";
import { declaredLength } from "./body.ts";

/**
 * Mutation YF-RESUMABLE-RESEND:shorter: the shorter copy written over the stored chunk without
 * truncating it, so the first copy's tail stays. Returns the chunk record of what is stored.
 */
async function overwriteInPlace(store: Store, key: string, blob: UnhashedBlob): Promise<ChunkDoc> {
  const old = await store.readAll(key);
  await blob.commit(key);
  const fresh = await store.readAll(key);
  const mixed = new Uint8Array(old.length);
  mixed.set(old);
  mixed.set(fresh);
  const staged = await store.ingest(
    (async function* () {
      yield mixed;
    })(),
    { md5: false },
  );
  await staged.commit(key);
  return { size: staged.size };
}

export async function uploadChunk(ctx: HandlerContext): Promise<Response> {
  const { request, state, config, identity, url } = ctx;
  const uploadType = queryParam(url, "uploadType");
  if (uploadType?.toLowerCase() !== "resumable")
    refuse(400, "PUT /files takes uploadType=resumable (specs/youforce.yaml, parameter uploadType)");
  const rawToken = queryParam(url, "uploadToken");
  if (rawToken === null || rawToken === "") refuse(400, "uploadToken is required", "YF-RESUMABLE-TOKEN");
  const token = rawToken.toLowerCase();
  const { mutations } = config;
  const notFound = (): never => refuse(404, "Upload token not found", "YF-RESUMABLE-TOKEN");
  // Mutation YF-AUTH-ISOLATION:chunk: a non-closing chunk of any token is taken.
  const anyOwner =
    mutations.has("YF-AUTH-ISOLATION:chunk") && queryParam(url, "close")?.toLowerCase() !== "true";
  const ownSession = (): SessionDoc => {
    const session = isGuid(token) ? state.sessions.get(token) : undefined;
    return session !== undefined && (session.owner === identity.id || anyOwner) ? session : notFound();
  };
  // Mutation YF-RESUMABLE-TOKEN: a chunk with an unknown token is answered as if it were stored.
  if (mutations.has("YF-RESUMABLE-TOKEN") && !(isGuid(token) && state.sessions.has(token)))
    return Response.json({ uploadToken: token }, { status: 202 });
  const before = ownSession();

  const rawPosition = queryParam(url, "position");
  if (rawPosition === null || !/^\d{1,9}$/.test(rawPosition))
    refuse(
      400,
      `position must be an integer of at least 1, not ${quote(rawPosition ?? "")}`,
      "YF-RESUMABLE-POSITION",
    );
  let position = Number(rawPosition);
  // Mutation YF-RESUMABLE-POSITION: each chunk goes after the last one stored.
  if (mutations.has("YF-RESUMABLE-POSITION"))
    position = Math.max(...Object.keys(before.chunks).map(Number)) + 1;
  if (position < 1 || position >= config.maxChunks)
    refuse(
      400,
      `position must be from 1 to ${config.maxChunks - 1} (position 0 is the chunk of the POST)`,
      "YF-RESUMABLE-POSITION",
    );
  const rawClose = queryParam(url, "close")?.toLowerCase() ?? "false";
  if (rawClose !== "true" && rawClose !== "false" && rawClose !== "")
    refuse(400, `close must be true or false, not ${quote(rawClose)}`, "YF-RESUMABLE-CLOSE");
  const close = rawClose === "true";

  const { reading } = config;
  // Mutations YF-RESUMABLE-CHUNK-SIZE (off by one) and YF-RESUMABLE-CHUNK-LIMIT (no limit).
  const chunkMaxSize = mutations.has("YF-RESUMABLE-CHUNK-LIMIT")
    ? Number.POSITIVE_INFINITY
    : mutations.has("YF-RESUMABLE-CHUNK-SIZE")
      ? Math.min(config.chunkMaxSize, youforceResumableLimits.maxPartSize) - 1
      : config.chunkMaxSize;
  const declared = declaredLength(request);
  if (declared !== undefined && declared > chunkMaxSize)
    refuse(
      reading.oversizeStatus,
      `The chunk declares ${declared} bytes; a chunk is at most ${config.chunkMaxSize} bytes`,
      "YF-RESUMABLE-CHUNK-SIZE",
    );
  let blob: UnhashedBlob;
  try {
    // Unhashed: the file's MD5 is its running digest (state.ts `chunkCommitted`), not the chunks'.
    blob = await state.store.ingest(request.body, { maxBytes: chunkMaxSize, md5: false });
  } catch (error) {
    if (error instanceof BlobTooLargeError)
      refuse(
        reading.oversizeStatus,
        `The chunk exceeds ${config.chunkMaxSize} bytes; nothing was stored`,
        "YF-RESUMABLE-CHUNK-SIZE",
      );
    throw error;
  }

  try {
    return await state.withSession(token, async () => {
      // Mutation YF-RESUMABLE-POSITION:concurrent: the session as it was before the chunk streamed in.
      const session = mutations.has("YF-RESUMABLE-POSITION:concurrent") ? before : ownSession();
      const chunk: ChunkDoc = { size: blob.size };
      const total = Object.entries(session.chunks).reduce(
        (sum, [at, stored]) => (Number(at) === position ? sum : sum + stored.size),
        blob.size,
      );
      if (total > config.maxTotalSize)
        refuse(
          reading.oversizeStatus,
          `The upload would exceed ${config.maxTotalSize} bytes`,
          "YF-RESUMABLE-CHUNK-SIZE",
        );
      // YF-RESUMABLE-RESEND: the strict reading takes each position once.
      if (reading.resend === "refuse" && session.chunks[position] !== undefined)
        refuse(409, `A chunk is already stored at position ${position}`, "YF-RESUMABLE-RESEND");

      // A session whose file exists is closed (a crash came before its document was removed): its
      // chunks are that file's bytes now and are never replaced.
      const closed = session.fileId === undefined ? undefined : state.files.get(session.fileId);
      if (!close) {
        // Mutation YF-RESUMABLE-CLOSED: a closed upload still takes chunks (into the file's blobs).
        if (closed !== undefined && !mutations.has("YF-RESUMABLE-CLOSED")) notFound();
        const earlier = session.chunks[position];
        // Mutation YF-RESUMABLE-RESEND: a re-sent chunk is answered but the first copy stays.
        if (earlier !== undefined && mutations.has("YF-RESUMABLE-RESEND"))
          return Response.json({ uploadToken: token, position }, { status: reading.chunkStatus });
        // Mutation YF-RESUMABLE-RESEND:shorter: a shorter copy is written over the first in place.
        let stored = chunk;
        if (earlier !== undefined && earlier.size > blob.size && mutations.has("YF-RESUMABLE-RESEND:shorter"))
          stored = await overwriteInPlace(state.store, chunkBlob(token, position), blob);
        else await blob.commit(chunkBlob(token, position));
        const updated: SessionDoc = { ...session, chunks: { ...session.chunks, [position]: stored } };
        await state.putSession(updated);
        state.chunkCommitted(updated, position);
        return Response.json({ uploadToken: token, position }, { status: reading.chunkStatus });
      }

      // A close retried after a crash that happened once the file was stored: answer that file.
      if (closed !== undefined) {
        await state.dropSession(session);
        return Response.json(fileResource(closed), { status: reading.closeStatus });
      }
      const positions = new Set(Object.keys(session.chunks).map(Number)).add(position);
      const above = [...positions].filter((p) => p > position).sort((a, b) => a - b);
      if (above.length > 0)
        refuse(
          400,
          `Cannot close at position ${position}: a chunk is stored at position ${above[0]}; close with the highest position`,
          "YF-RESUMABLE-CLOSE",
        );
      // YF-RESUMABLE-CLOSE-GAP: refused, or (the lenient reading) closed with the chunks there are.
      // Mutation YF-RESUMABLE-CLOSE-GAP: a gap is not refused.
      const refuseGap = reading.closeWithGap === "refuse" && !mutations.has("YF-RESUMABLE-CLOSE-GAP");
      for (let p = 0; p < position && refuseGap; p++)
        if (!positions.has(p))
          // Named YF-RESUMABLE-CLOSE last, the rule clients read from the message (the gap rule
          // is its `should` part).
          refuse(
            400,
            `Cannot close at position ${position}: the chunk at position ${p} is missing (YF-RESUMABLE-CLOSE-GAP); upload it, then close again (YF-RESUMABLE-CLOSE)`,
          );

      await blob.commit(chunkBlob(token, position));
      const closing: SessionDoc = {
        ...session,
        chunks: { ...session.chunks, [position]: chunk },
        fileId: session.fileId ?? globalThis.crypto.randomUUID(),
      };
      await state.putSession(closing);
      state.chunkCommitted(closing, position);
      const fileId = closing.fileId!;
      // No copy: the file is its chunk blobs in position order (as numbers, YF-RESUMABLE-POSITION),
      // which it keeps once the session is dropped.
      const positionsInOrder = mutations.has("YF-RESUMABLE-POSITION:lexicographic")
        ? Object.keys(closing.chunks).sort().map(Number) // Mutation: "10" sorts before "2".
        : Object.keys(closing.chunks)
            .map(Number)
            .sort((a, b) => a - b);
      const segments = positionsInOrder
        // Mutation YF-RESUMABLE-CLOSE: the closing chunk is left out.
        .filter((p) => p !== position || !mutations.has("YF-RESUMABLE-CLOSE"))
        .map((p) => ({ key: chunkBlob(token, p), size: closing.chunks[p]!.size }));
      const doc: FileDoc = {
        id: fileId,
        name: closing.name,
        size: segments.reduce((sum, segment) => sum + segment.size, 0),
        segments,
        creationDate: new Date(config.now()).toISOString(),
        seq: state.nextSeq(),
        tenantId: closing.tenantId,
        publisherId: closing.publisherId,
        owner: closing.owner,
        businessTypeId: closing.businessTypeId,
        numChunks: segments.length,
        ...(closing.customMetadata === undefined ? {} : { customMetadata: closing.customMetadata }),
        marks: {},
      };
      await state.addFile(doc, undefined);
      state.sessionClosed(token, doc);
      // Mutation YF-RESUMABLE-CLOSED: the session stays, pointing at the file.
      if (!mutations.has("YF-RESUMABLE-CLOSED")) await state.dropSession(closing);
      return Response.json(fileResource(doc), { status: reading.closeStatus });
    });
  } finally {
    await blob.discard();
  }
}
