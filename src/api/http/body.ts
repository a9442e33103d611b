import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../domain/errors.js';

/**
 * Deepest nesting of objects and arrays a request body may have. Push objects need about
 * six levels plus whatever an app puts in `extras`; anything far deeper is an attack on
 * the recursive code that walks payloads (size checks, rendering), so it never gets parsed.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Methods whose body is never read. JPush defines no body for any of them, and its official
 * clients send DELETE with `Content-Type: application/json` and an empty body (the Python
 * client), or the text `null` (jpush-async).
 */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

/**
 * How request bodies are read: every body is JSON whatever its Content-Type (curl -d sends
 * form encoding), an empty body is no body, and routing comes first. A request to an unknown
 * path, or with a method that takes no body, is answered without its body being parsed, so
 * it gets the 404 / 405 / 200 of its route rather than a body error.
 */
export function installBodyHandling(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    // Without these headers Fastify does not read the body at all; Node discards it once the
    // answer is sent, and the request timeout bounds a client that keeps sending.
    if (BODYLESS_METHODS.has(request.method) || request.is404) hideBody(request);
    done();
  });

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // Left to the route: a push says 1002, the Device API 7002, a 405 route its 405.
    if (isBlank(text)) return done(null, undefined);
    const depth = nestingDepth(text, MAX_JSON_DEPTH);
    if (depth > MAX_JSON_DEPTH) {
      return done(errors.invalid(`Illegal JSON: nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    parseJson(request, text, done);
  });
}

function hideBody(request: FastifyRequest): void {
  const headers = request.headers;
  delete headers['content-type'];
  delete headers['content-length'];
  delete headers['transfer-encoding'];
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

/**
 * The nesting depth of the JSON text, counting brackets outside strings; stops counting once
 * past `limit`. Runs before JSON.parse, in one pass without recursion, so no input can
 * exhaust the stack. Malformed text is left for the parser to reject.
 */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}
