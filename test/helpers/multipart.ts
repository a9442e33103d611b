import { Readable } from 'node:stream';
import type { Credentials } from '../../src/apps/credentials.js';
import { basic, type JsonResponse } from './server.js';

const BOUNDARY = '----borealis-test-boundary-7d1f';

/**
 * POSTs a multipart form as `curl -F filename=@ids.txt -F ttl=N` does, with the file's lines
 * produced on the fly, so a million-line upload never exists in the test's memory either.
 */
export async function uploadLines(
  url: string,
  auth: Credentials | string | null,
  lines: Iterable<string> | AsyncIterable<string>,
  options: { ttl?: string; fileName?: string; contentType?: string } = {},
): Promise<JsonResponse> {
  async function* body(): AsyncGenerator<Uint8Array> {
    const enc = new TextEncoder();
    if (options.ttl !== undefined) {
      yield enc.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="ttl"\r\n\r\n${options.ttl}\r\n`);
    }
    yield enc.encode(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="filename"; filename="${options.fileName ?? 'ids.txt'}"\r\nContent-Type: text/plain\r\n\r\n`,
    );
    let chunk = '';
    for await (const line of lines as AsyncIterable<string>) {
      chunk += line + '\n';
      if (chunk.length > 64 * 1024) {
        yield enc.encode(chunk);
        chunk = '';
      }
    }
    yield enc.encode(`${chunk}\r\n--${BOUNDARY}--\r\n`);
  }
  const headers: Record<string, string> = { 'content-type': options.contentType ?? `multipart/form-data; boundary=${BOUNDARY}` };
  if (auth !== null) headers.authorization = typeof auth === 'string' ? auth : basic(auth);
  const res = await fetch(url, { method: 'POST', headers, body: Readable.toWeb(Readable.from(body())), duplex: 'half' } as RequestInit);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
