import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart'; // request.parts() and isMultipart()
import { ApiError, errors } from '../domain/errors.js';
import { isRegistrationId, isTagOrAlias } from '../domain/names.js';
import type { FileRecord, FileType } from '../store/advanced-types.js';
import type { Store } from '../store/types.js';

export interface FileSettings {
  /** Largest file accepted, in bytes (JPush: 10 MB). */
  maxBytes: number;
  /** Files one app (or group) may hold at once (JPush: 20). */
  maxFiles: number;
  /** `ttl` in hours when the upload gives none, and the most it may give (JPush: 720). */
  maxTtlHours: number;
}

/** Values written per transaction while an upload streams in. */
const WRITE_BATCH = 5000;
/** A line longer than this is no id or alias; refusing it bounds what one line can hold. */
const MAX_LINE_CHARS = 256;
const HOUR_MS = 3_600_000;

/**
 * Splits a byte stream into trimmed, non-empty lines, decoding UTF-8 across chunk edges.
 * Holds one partial line at most, so memory does not grow with the file.
 */
export async function* lines(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      const line = text.slice(from, nl).trim();
      if (line !== '') yield line;
      from = nl + 1;
    }
    rest = text.slice(from);
    if (rest.length > MAX_LINE_CHARS) throw errors.invalid(`file has a line longer than ${MAX_LINE_CHARS} characters`);
  }
  const last = (rest + decoder.end()).trim();
  if (last !== '') yield last;
}

function parseTtl(raw: string, maxHours: number): number {
  if (!/^[0-9]{1,4}$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > maxHours) {
    throw errors.invalid(`ttl must be an integer 1..${maxHours} (hours)`);
  }
  return Number(raw);
}

/**
 * Receives `POST /v3/files/{type}`: a multipart form with the file (one value per line) and an
 * optional `ttl` in hours. Values are checked line by line and written in batches as they
 * arrive; the file becomes visible only once complete, and a failed upload leaves nothing.
 */
export async function receiveUpload(
  request: FastifyRequest,
  store: Store,
  ownerKey: string,
  type: FileType,
  settings: FileSettings,
): Promise<FileRecord> {
  if (!request.isMultipart()) throw errors.invalid('the file must be sent as multipart/form-data');
  const now = Date.now();
  if ((await store.files.countLive(ownerKey, now)) >= settings.maxFiles) {
    throw errors.invalid(`at most ${settings.maxFiles} unexpired files are allowed`);
  }
  const valid = type === 'registration_id' ? isRegistrationId : isTagOrAlias;
  let ttlHours = settings.maxTtlHours;
  let file: FileRecord | undefined;
  try {
    const parts = request.parts({ limits: { fileSize: settings.maxBytes, files: 1, fields: 8, fieldSize: 64, parts: 9 } });
    for await (const part of parts) {
      if (part.type === 'field') {
        if (part.fieldname === 'ttl') ttlHours = parseTtl(String(part.value), settings.maxTtlHours);
        continue;
      }
      const fileName = (part.filename || 'file.txt').slice(0, 255);
      file = { fileId: `${ownerKey}-${randomUUID()}`, ownerKey, type, fileName, createdAt: now, expiresAt: now + settings.maxTtlHours * HOUR_MS, valueCount: 0 };
      await store.files.begin(file);
      let batch: string[] = [];
      let lineNo = 0;
      for await (const value of lines(part.file)) {
        lineNo++;
        if (!valid(value)) throw errors.invalid(`line ${lineNo} is not a valid ${type === 'alias' ? 'alias' : 'registration id'}`);
        batch.push(value);
        if (batch.length === WRITE_BATCH) {
          await store.files.append(file.fileId, batch);
          batch = [];
        }
      }
      if (batch.length > 0) await store.files.append(file.fileId, batch);
    }
    if (!file) throw errors.missing('no file in the form (field "filename")');
    const done = await store.files.commit(file.fileId, now + ttlHours * HOUR_MS);
    if (done.valueCount === 0) throw errors.invalid('file holds no values');
    return done;
  } catch (err) {
    if (file) await store.files.discard(file.fileId);
    throw toUploadError(err, settings.maxBytes);
  }
}

function toUploadError(err: unknown, maxBytes: number): unknown {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new ApiError(1005, `file exceeds ${maxBytes} bytes`, 413);
  if (!(err instanceof Error) || code.startsWith('SQLITE')) return err;
  // busboy's and the plugin's complaints about the form itself
  return errors.invalid(`malformed multipart body: ${err.message}`);
}
