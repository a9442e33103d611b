import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * For a body parsed from JSON text, an upper bound on the UTF-8 bytes of JSON.stringify
     * applied to parts of the body that do not overlap, added up; -1 when there is none.
     * Lets a route skip re-serialising parts of a small body only to measure them.
     */
    jsonBytesBound: number;
  }
}

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

  app.decorateRequest('jsonBytesBound', -1);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  const parse: FastifyBodyParser<string> = (request, text, done) => {
    // Left to the route: a push says 1002, the Device API 7002, a 405 route its 405.
    if (isBlank(text)) return done(null, undefined);
    const shape = scanJsonText(text, MAX_JSON_DEPTH);
    if (shape.depth > MAX_JSON_DEPTH) {
      return done(errors.invalid(`Illegal JSON: nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    request.jsonBytesBound = serializedBytesBound(text.length, shape.exponents);
    // Fastify's parser refuses __proto__ and constructor keys (prototype poisoning) after
    // searching the text for them with two regular expressions; the scan already knows there
    // are none. Whatever JSON.parse refuses goes to that parser too, for its error.
    if (!shape.poisonable) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return parseJson(request, text, done);
      }
      return done(null, parsed);
    }
    parseJson(request, text, done);
  };
  app.addContentTypeParser('*', { parseAs: 'string' }, parse);
  // The same parser under the type nearly every client sends: Fastify caches the parser it
  // found for a Content-Type, except the catch-all one, which it looks up again each time.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parse);
}

/** Longest text of a JSON number as JSON.stringify writes it: `-1.2345678901234567e-308`. */
const MAX_NUMBER_TEXT = 24;

/**
 * Bound on the UTF-8 bytes JSON.stringify gives for non-overlapping parts of a value parsed
 * from `units` UTF-16 units of JSON text holding `exponents` numbers in exponent notation.
 * JSON.stringify drops whitespace and never writes a string or key longer than its text (an
 * escape it keeps was an escape in the text, as JSON text cannot hold raw control characters;
 * other escapes become the character they stand for), nor a number written without an
 * exponent longer than its text (it writes the shortest form, in exponent notation only when
 * that is shorter). A number with an exponent can grow (`1e20` is written with 21 digits), to
 * at most MAX_NUMBER_TEXT units. A UTF-16 unit is at most 3 bytes of UTF-8.
 */
export function serializedBytesBound(units: number, exponents: number): number {
  return 3 * (units + exponents * MAX_NUMBER_TEXT);
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

/** What one pass over JSON text finds before it is parsed. */
export interface JsonTextShape {
  /** Nesting depth of objects and arrays, counted up to one past the limit. */
  depth: number;
  /** Numbers written with an exponent (`1e5`, `2.5E-3`), counted until the depth passes the limit. */
  exponents: number;
  /**
   * Whether a string of the text may be `__proto__` or `constructor`: one is, or one has a
   * `\u` escape (the only way to write those letters other than as themselves).
   */
  poisonable: boolean;
}

/**
 * The nesting depth of the JSON text, counting brackets outside strings, and its numbers with
 * an exponent; stops counting once past `limit`. Runs before JSON.parse, in one pass without
 * recursion, so no input can exhaust the stack. Malformed text is left for the parser to reject.
 */
export function scanJsonText(text: string, limit: number): JsonTextShape {
  let depth = 0;
  let deepest = 0;
  let exponents = 0;
  let poisonable = false;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        if (text.charCodeAt(i + 1) === 0x75) poisonable = true; // \u
        i++; // backslash: skip the escaped character
      } else if (c === 0x22) {
        inString = false;
        const length = i - start;
        if ((length === 9 && text.startsWith('__proto__', start)) || (length === 11 && text.startsWith('constructor', start))) {
          poisonable = true;
        }
      }
    } else if (c === 0x22) {
      inString = true;
      start = i + 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) break;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x65 || c === 0x45) {
      // e / E after a digit, outside strings: an exponent (true and false have no digit before it)
      const before = text.charCodeAt(i - 1);
      if (before >= 0x30 && before <= 0x39) exponents++;
    }
  }
  // An unterminated string is malformed (JSON.parse refuses it); counted as poisonable all the same.
  return { depth: deepest, exponents, poisonable: poisonable || inString };
}

/** The nesting depth of the JSON text (see scanJsonText). */
export function nestingDepth(text: string, limit: number): number {
  return scanJsonText(text, limit).depth;
}
