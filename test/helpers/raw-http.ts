import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The error code of a JPush error body, if the body is one. */
  code: number | undefined;
}

/** Parses the first HTTP/1.1 response in `text` (Content-Length bodies only). */
export function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = Buffer.from(text.slice(end + 4), 'latin1').subarray(0, length).toString('utf8');
  let code: number | undefined;
  try {
    code = (JSON.parse(body) as { error?: { code?: number } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status, headers, body, code };
}

/**
 * Sends `request` byte for byte on a fresh connection (the shape a given client really sends)
 * and resolves with everything the server wrote once it closes the connection or `waitMs` passes.
 */
export function rawExchange(url: string, request: string | Buffer, waitMs = 10_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d) => {
      chunks.push(d);
      // one complete response is all these tests read
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
      if (end >= 0 && Buffer.byteLength(text, 'latin1') >= end + 4 + length) socket.destroy();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
}

/** rawExchange, parsed. */
export async function rawRequest(url: string, request: string | Buffer): Promise<RawResponse> {
  return parseResponse(await rawExchange(url, request));
}
