/**
 * The S3 adapter of the storage port (`Store`, store.ts): blobs are objects in an S3 bucket
 * (`<prefix><key>`), state documents stay in a `DiskStore` on the local disk.
 *
 * - `ingest` streams the body to a local temp file while hashing it (the disk store's ingest), so a
 *   server can verify the bytes before anything reaches the bucket; `commit` then PUTs the file as
 *   one object with `Content-MD5` (S3 checks the bytes again) and removes the local copy. An S3
 *   PutObject is atomic and replaces an object of the same key, so a part write is atomic and a
 *   re-sent part replaces the old one, as on disk.
 * - reads are ranged GETs (`Range: bytes=a-b`), one object at a time as the stream is consumed.
 * - the client follows AWS's documented behaviour: path-style addressing, and checksums only when
 *   an operation requires them (`requestChecksumCalculation: "WHEN_REQUIRED"`), so presigned URLs
 *   carry no `x-amz-checksum-*` parameters and streamed PUTs need no trailer.
 *
 * It also exposes the S3 operations a server needs to hand out presigned URLs, as the real
 * services do (CAVATICA's part URLs, BaseSpace's `redirect=meta`): `presignGet`,
 * `createMultipartUpload`, `presignUploadPart`, `completeMultipartUpload`, `abortMultipartUpload`.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/PresignedUrlUploadObject.html
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { BlobDigest } from "./blob-digest.ts";
import {
  type CompletedPart,
  errorCode,
  httpStatus,
  isNotFound,
  type ObjectStore,
  type S3StorageOptions,
  S3StoreError,
  type S3StoreOptions,
} from "./storage.ts";
import {
  assertKey,
  DiskStore,
  type IngestBody,
  type IngestOptions,
  readSegments,
  type StagedBlob,
  type UnhashedBlob,
} from "./store.ts";

const STAGING = "s3up-";

export class S3Store implements ObjectStore {
  readonly kind = "s3" as const;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;

  private constructor(
    private readonly local: DiskStore,
    options: S3StorageOptions,
  ) {
    this.bucket = options.bucket;
    this.prefix =
      options.prefix === undefined || options.prefix === "" ? "" : options.prefix.replace(/\/*$/, "/");
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    const credentials =
      options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined;
    this.client = new S3Client({
      endpoint: this.endpoint,
      region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...(credentials === undefined ? {} : { credentials }),
    });
  }

  get dir(): string {
    return this.local.dir;
  }

  /**
   * Opens the store: state documents in `dir` (a `DiskStore`), blobs in the bucket, which is
   * created when missing (with a CORS rule for `corsOrigins` when it has none). Fails with
   * `S3StoreError` when the endpoint cannot be reached or refuses the credentials.
   */
  static async open(dir: string, options: S3StoreOptions): Promise<S3Store> {
    const local = await DiskStore.open(dir, { fsync: options.fsync ?? false });
    const store = new S3Store(local, options);
    // Staged copies a crash left behind (committed locally, not yet PUT).
    await local.delete(...(await local.listBlobs(STAGING)));
    await store.ensureBucket(options.corsOrigins ?? []);
    return store;
  }

  private async ensureBucket(corsOrigins: readonly string[]): Promise<void> {
    const Bucket = this.bucket;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }));
    } catch (error) {
      if (!isNotFound(error)) throw new S3StoreError("HeadBucket", error);
      await this.call("CreateBucket", () => this.client.send(new CreateBucketCommand({ Bucket })));
    }
    if (corsOrigins.length === 0) return;
    try {
      await this.client.send(new GetBucketCorsCommand({ Bucket }));
      return;
    } catch (error) {
      if (errorCode(error) !== "NoSuchCORSConfiguration" && !isNotFound(error))
        throw new S3StoreError("GetBucketCors", error);
    }
    await this.call("PutBucketCors", () =>
      this.client.send(
        new PutBucketCorsCommand({
          Bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: [...corsOrigins],
                AllowedMethods: ["GET", "PUT", "HEAD"],
                AllowedHeaders: ["*"],
                ExposeHeaders: ["ETag", "Content-Length", "Content-Range"],
                MaxAgeSeconds: 600,
              },
            ],
          },
        }),
      ),
    );
  }

  /** The object key of a blob key. */
  objectKey(key: string): string {
    assertKey(key);
    return this.prefix + key;
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new S3StoreError(operation, error);
    }
  }

  ingest(body: IngestBody, options?: IngestOptions & { readonly md5?: true }): Promise<StagedBlob>;
  ingest(body: IngestBody, options: IngestOptions): Promise<UnhashedBlob>;
  /** Always hashes (`md5: false` notwithstanding): the MD5 is the PUT's `Content-MD5`. */
  async ingest(body: IngestBody, options: IngestOptions = {}): Promise<StagedBlob> {
    const staged = await this.local.ingest(body, { ...options, md5: true });
    let settled = false;
    return {
      size: staged.size,
      md5: staged.md5,
      commit: async (key: string) => {
        const objectKey = this.objectKey(key); // an invalid key throws here, leaving the blob discardable
        if (settled) throw new Error("blob already committed or discarded");
        settled = true;
        const local = `${STAGING}${randomBytes(12).toString("hex")}`;
        await staged.commit(local);
        try {
          await this.call("PutObject", () =>
            this.client.send(
              new PutObjectCommand({
                Bucket: this.bucket,
                Key: objectKey,
                Body: createReadStream(this.local.blobPath(local), { highWaterMark: 1024 * 1024 }),
                ContentLength: staged.size,
                ContentMD5: Buffer.from(staged.md5).toString("base64"),
              }),
            ),
          );
        } finally {
          await this.local.delete(local);
        }
      },
      discard: async () => {
        settled = true;
        await staged.discard();
      },
    };
  }

  /** A running MD5 over objects appended in order, each read with a GET and hashed on the event loop. */
  openDigest(): BlobDigest {
    return new BlobDigest(async (key, target) => {
      for await (const bytes of this.read(key) as unknown as AsyncIterable<Uint8Array>)
        await target.update(bytes);
    }, undefined);
  }

  async concat(keys: readonly string[]): Promise<StagedBlob> {
    for (const key of keys) assertKey(key);
    const store = this;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (const key of keys) yield* store.read(key) as unknown as AsyncIterable<Uint8Array>;
    }
    return this.ingest(chunks());
  }

  async size(key: string): Promise<number | undefined> {
    try {
      assertKey(key);
    } catch {
      return undefined;
    }
    return (await this.head(key))?.size;
  }

  /** The size and ETag (quoted, as S3 answers it) of an object, or undefined when it is missing. */
  async head(key: string): Promise<{ size: number; etag: string } | undefined> {
    try {
      const answer = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return { size: answer.ContentLength ?? 0, etag: answer.ETag ?? "" };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new S3StoreError("HeadObject", error);
    }
  }

  read(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
    const objectKey = this.objectKey(key);
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0))
      throw new RangeError(`invalid range ${range.start}-${range.end}`);
    return this.objectStream(objectKey, range?.start ?? 0, range ? range.end + 1 : Number.POSITIVE_INFINITY);
  }

  /** Bytes `[start, end)` of an object as a Web stream; the GET is sent on the first read. */
  private objectStream(objectKey: string, start: number, end: number): ReadableStream<Uint8Array> {
    let body: Readable | undefined;
    let iterator: AsyncIterator<Uint8Array> | undefined;
    const client = this.client;
    const bucket = this.bucket;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            if (iterator === undefined) {
              if (end <= start) {
                controller.close();
                return;
              }
              const Range =
                start === 0 && end === Number.POSITIVE_INFINITY
                  ? undefined
                  : `bytes=${start}-${Number.isFinite(end) ? end - 1 : ""}`;
              let answer: GetObjectCommandOutput;
              try {
                answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey, Range }));
              } catch (error) {
                // A range that starts at or past the end reads nothing, as on disk.
                if (errorCode(error) === "InvalidRange" || httpStatus(error) === 416) {
                  controller.close();
                  return;
                }
                if (isNotFound(error))
                  throw Object.assign(new Error(`no blob ${objectKey}`), { code: "ENOENT" });
                throw new S3StoreError("GetObject", error);
              }
              body = answer.Body as Readable;
              iterator = body[Symbol.asyncIterator]();
            }
            const { done, value } = await iterator.next();
            if (done) {
              controller.close();
              return;
            }
            controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
          } catch (error) {
            body?.destroy();
            controller.error(error);
          }
        },
        cancel() {
          body?.destroy();
        },
      },
      { highWaterMark: 0 },
    );
  }

  readMany(
    keys: readonly string[],
    sizes: readonly number[],
    range?: { start: number; end: number },
  ): ReadableStream<Uint8Array> {
    return readSegments((key, piece) => this.read(key, piece), keys, sizes, range);
  }

  async readAll(key: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.read(key) as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
    return new Uint8Array(Buffer.concat(parts));
  }

  async delete(...keys: string[]): Promise<void> {
    const objects = keys.map((key) => ({ Key: this.objectKey(key) }));
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000);
      const answer = await this.call("DeleteObjects", () =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }),
        ),
      );
      const failed = (answer.Errors ?? []).filter((error) => error.Code !== "NoSuchKey");
      if (failed.length > 0)
        throw new S3StoreError(
          "DeleteObjects",
          Object.assign(new Error("delete failed"), { code: failed[0]?.Code }),
        );
    }
  }

  async listBlobs(prefix = ""): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const answer = await this.call("ListObjectsV2", () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken }),
        ),
      );
      for (const object of answer.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length);
        // Only the store's own keys: no "subdirectory" of the prefix.
        if (key !== undefined && !key.includes("/")) keys.push(key);
      }
      ContinuationToken = answer.IsTruncated ? answer.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
    return keys.sort();
  }

  putJson(name: string, value: unknown): Promise<void> {
    return this.local.putJson(name, value);
  }

  getJson<T>(name: string): Promise<T | undefined> {
    return this.local.getJson<T>(name);
  }

  deleteJson(name: string): Promise<void> {
    return this.local.deleteJson(name);
  }

  listJson(prefix = ""): Promise<string[]> {
    return this.local.listJson(prefix);
  }

  // --- presigned URLs and multipart uploads (the storage leg the real services hand out) -------

  /**
   * A presigned GET of a blob, valid `ttlSeconds`; `filename` sets the download's
   * `Content-Disposition` (`response-content-disposition`).
   */
  presignGet(key: string, ttlSeconds: number, filename?: string, signingDate?: Date): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        ...(filename === undefined
          ? {}
          : { ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(filename)}` }),
      }),
      { expiresIn: ttlSeconds, ...(signingDate === undefined ? {} : { signingDate }) },
    );
  }

  /** Starts an S3 multipart upload of `key`; returns S3's upload id. */
  async createMultipartUpload(key: string): Promise<string> {
    const answer = await this.call("CreateMultipartUpload", () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
    );
    if (answer.UploadId === undefined)
      throw new S3StoreError("CreateMultipartUpload", new Error("no UploadId in the answer"));
    return answer.UploadId;
  }

  /** A presigned `UploadPart` URL (PUT) valid `ttlSeconds`. */
  presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    ttlSeconds: number,
    signingDate?: Date,
  ): Promise<string> {
    return getSignedUrl(
      this.client,
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        UploadId: uploadId,
        PartNumber: partNumber,
      }),
      { expiresIn: ttlSeconds, ...(signingDate === undefined ? {} : { signingDate }) },
    );
  }

  /**
   * Completes a multipart upload with `parts` (ascending part numbers, ETags as reported) and
   * returns the object's size and ETag. The ETag is read with a HEAD: RGW 16 answers an empty
   * `<ETag>` to CompleteMultipartUpload. S3's refusals (`InvalidPart`, `InvalidPartOrder`,
   * `EntityTooSmall`, `NoSuchUpload`) come back as `S3StoreError` with that `s3Code`.
   */
  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<{ size: number; etag: string }> {
    const answer = await this.call("CompleteMultipartUpload", () =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
        }),
      ),
    );
    const head = await this.head(key);
    if (head === undefined)
      throw new S3StoreError("HeadObject", new Error("the completed object is missing"));
    return {
      size: head.size,
      etag: answer.ETag !== undefined && answer.ETag !== "" && answer.ETag !== '""' ? answer.ETag : head.etag,
    };
  }

  /**
   * The parts S3 holds for a multipart upload, ascending, with their sizes and ETags (quoted, as S3
   * answers them). `NoSuchUpload` comes back as `S3StoreError` with that `s3Code`.
   */
  async listParts(key: string, uploadId: string): Promise<(CompletedPart & { readonly size: number })[]> {
    const parts: (CompletedPart & { readonly size: number })[] = [];
    let PartNumberMarker: string | undefined;
    do {
      const answer = await this.call("ListParts", () =>
        this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: this.objectKey(key),
            UploadId: uploadId,
            PartNumberMarker,
          }),
        ),
      );
      for (const part of answer.Parts ?? [])
        if (part.PartNumber !== undefined)
          parts.push({ partNumber: part.PartNumber, size: part.Size ?? 0, etag: part.ETag ?? "" });
      PartNumberMarker = answer.IsTruncated ? answer.NextPartNumberMarker : undefined;
    } while (PartNumberMarker !== undefined);
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /**
   * Joins blobs, in the order given, into the blob `target` without the bytes passing through this
   * process: a multipart upload whose parts are server-side copies (`UploadPartCopy`). S3 wants
   * every part but the last to be at least 5 MiB; when it refuses (`EntityTooSmall`) the blobs are
   * joined by reading them (`concat`) instead. Returns the joined blob's size.
   *
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
   */
  async join(keys: readonly string[], target: string): Promise<number> {
    const Key = this.objectKey(target);
    const sources = keys.map((key) => `${this.bucket}/${this.objectKey(key)}`);
    const uploadId = await this.createMultipartUpload(target);
    try {
      const parts: CompletedPart[] = [];
      for (const [index, source] of sources.entries()) {
        const answer = await this.call("UploadPartCopy", () =>
          this.client.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
              Key,
              UploadId: uploadId,
              PartNumber: index + 1,
              CopySource: encodeURI(source),
            }),
          ),
        );
        parts.push({ partNumber: index + 1, etag: answer.CopyPartResult?.ETag ?? "" });
      }
      return (await this.completeMultipartUpload(target, uploadId, parts)).size;
    } catch (error) {
      await this.abortMultipartUpload(target, uploadId).catch(() => {});
      if (!(error instanceof S3StoreError && error.s3Code === "EntityTooSmall")) throw error;
      const staged = await this.concat(keys);
      await staged.commit(target);
      return staged.size;
    }
  }

  /** Aborts a multipart upload; one S3 no longer knows is already gone. */
  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: uploadId,
        }),
      );
    } catch (error) {
      if (errorCode(error) === "NoSuchUpload" || isNotFound(error)) return;
      throw new S3StoreError("AbortMultipartUpload", error);
    }
  }

  /** Releases the S3 client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
