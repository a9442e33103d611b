import { emas } from './errors.js';
import { percentEncode } from './signature.js';

/**
 * Reads a request's query and form body in one pass per text: each `name=value` is decoded as
 * URLSearchParams decodes it, and is also kept POP-encoded (`name=value` of the canonical
 * query), so the signature check only sorts and joins. Alibaba's SDKs send the canonical
 * encoding itself: a raw name or value already in that form is kept as sent, not encoded again.
 */

/** 1 for the unreserved characters A-Z a-z 0-9 - _ . ~ (by code, below 128). */
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED[c.charCodeAt(0)] = 1;
/** Values of the upper-case hex digits by code, -1 for any other character. */
const HEX_UPPER = new Int8Array(128).fill(-1);
for (const c of '0123456789ABCDEF') HEX_UPPER[c.charCodeAt(0)] = parseInt(c, 16);

function hexValue(code: number): number {
  return code < 128 ? HEX_UPPER[code]! : -1;
}

/** Literal unreserved characters only: decoded, it is the same text, and POP-encoded too. */
const PLAIN = 0;
/**
 * POP's encoding exactly: unreserved characters literal, every other byte as %XY in upper
 * case, and no escape of an unreserved byte (%41 is 'A', which POP writes as 'A'). Text of
 * this form that decodes strictly (well-formed UTF-8) encodes back to itself.
 */
const CANONICAL = 1;
const OTHER = 2;

/**
 * Whether `a` sorts after `b` by code unit (as `a > b`). Consecutive names of a canonical query
 * differ within their first few characters: a loop over them is cheaper than the generic
 * comparison of two strings cut from the body.
 */
function isAfter(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d > 0;
  }
  return a.length > b.length;
}

/** Which of the three a raw name or value is, in one pass over its characters. */
function kindOf(raw: string): typeof PLAIN | typeof CANONICAL | typeof OTHER {
  let kind: typeof PLAIN | typeof CANONICAL = PLAIN;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c < 128 && UNRESERVED[c] === 1) continue;
    if (c !== 37 /* % */ || i + 2 >= n) return OTHER;
    const hi = hexValue(raw.charCodeAt(i + 1));
    const lo = hexValue(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return OTHER;
    const byte = hi * 16 + lo;
    if (byte < 128 && UNRESERVED[byte] === 1) return OTHER;
    kind = CANONICAL;
    i += 2;
  }
  return kind;
}

/** Printable ASCII but the space: decodeURIComponent then decodes exactly as URLSearchParams. */
const PLAIN_ASCII = /^[!-~]*$/;

export interface FormParams {
  /** Decoded values by name, as the actions read them. */
  readonly values: Map<string, string>;
  /**
   * Each parameter POP-encoded as `name=value`, by name (see stringToSignOfPairs); read it
   * through `signedPairs`. While `canonical` stands, the pairs it holds are not copied here.
   */
  readonly signed: Map<string, string>;
  /**
   * The canonical query itself (every pair but Signature's, POP-encoded, sorted by name, joined
   * with '&'), when the request's one text of parameters already is it as sent, Signature
   * aside: what Alibaba's SDKs send. The signature check then needs no sort and no join.
   */
  canonical?: string;
}

export function emptyForm(): FormParams {
  return { values: new Map(), signed: new Map(), canonical: undefined };
}

/**
 * The POP-encoded pairs by name. Pairs of a text read as the canonical query are kept as sent,
 * so they are made from it only when asked (the signature check uses the canonical text).
 */
export function signedPairs(form: FormParams): ReadonlyMap<string, string> {
  if (form.canonical !== undefined) keepPairs(form.signed, form.canonical, 0, form.canonical.length);
  return form.signed;
}

/**
 * Adds the pairs of `text[from, to)`, each kept as sent (a text that was canonical so far),
 * but the one at `skip` (Signature's, which is not signed).
 */
function keepPairs(signed: Map<string, string>, text: string, from: number, to: number, skip = -1): void {
  let start = from;
  while (start < to) {
    let end = text.indexOf('&', start);
    if (end < 0 || end > to) end = to;
    if (start !== skip) {
      const pair = text.slice(start, end);
      signed.set(pair.slice(0, pair.indexOf('=')), pair);
    }
    start = end + 1;
  }
}

/** application/x-www-form-urlencoded decoding ('+' is a space; malformed escapes as URLSearchParams leaves them). */
function decode(raw: string): string {
  if (PLAIN_ASCII.test(raw)) {
    try {
      return decodeURIComponent(raw.includes('+') ? raw.replaceAll('+', ' ') : raw);
    } catch {
      // a stray '%' or bytes that are not UTF-8: URLSearchParams keeps / replaces them
    }
  }
  return new URLSearchParams(`v=${raw}`).get('v')!;
}

/** One raw name or value, decoded and POP-encoded. */
function readPart(raw: string, out: { text: string; encoded: string }): void {
  const kind = kindOf(raw);
  if (kind === PLAIN) {
    out.text = out.encoded = raw;
    return;
  }
  if (kind === CANONICAL) {
    try {
      out.text = decodeURIComponent(raw);
      out.encoded = raw;
      return;
    } catch {
      // not UTF-8 (%FF): decoded with replacement characters below, which encode differently
    }
  }
  out.text = decode(raw);
  out.encoded = percentEncode(out.text);
}

/** Adds the parameters of `text` to `into`; a name given twice is refused (its signature would be ambiguous). */
export function readForm(text: string, into: FormParams, maxParams: number): void {
  const { values, signed } = into;
  const name = { text: '', encoded: '' };
  const value = { text: '', encoded: '' };
  // The text is the canonical query as sent (see FormParams.canonical) while it holds the only
  // parameters, every pair is `name=value` in POP's encoding with a name of unreserved
  // characters only (printable ASCII: the code unit order is the byte order), the names rise
  // strictly, and no pair is empty. Signature's pair may stand anywhere: it is cut out.
  // While it is, its pairs are not copied into `signed` (signedPairs makes them if asked).
  if (into.canonical !== undefined) keepPairs(signed, into.canonical, 0, into.canonical.length);
  let asSent = values.size === 0;
  into.canonical = undefined;
  let last = '';
  let signatureAt = -1;
  let signatureEnd = -1;
  let start = 0;
  // the next '=' at or after `start`, found again only once passed: a text of pairs without
  // one stays linear
  let nextEq = -2;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      if (nextEq !== -1 && nextEq < start) nextEq = text.indexOf('=', start);
      const eq = nextEq >= 0 && nextEq < end ? nextEq : -1;
      const rawName = eq < 0 ? text.slice(start, end) : text.slice(start, eq);
      readPart(rawName, name);
      const rawValue = eq < 0 ? '' : text.slice(eq + 1, end);
      readPart(rawValue, value);
      // one lookup: a name already there leaves the size as it was (the request is refused)
      const before = values.size;
      values.set(name.text, value.text);
      if (values.size === before) throw emas.parameter(`${name.text.slice(0, 64)} is given more than once`);
      if (before >= maxParams) throw emas.parameter(`more than ${maxParams} parameters`);
      const kept = eq >= 0 && name.encoded === rawName && value.encoded === rawValue;
      if (asSent) {
        if (name.text === 'Signature') {
          signatureAt = start;
          signatureEnd = end;
        } else if (kept && name.text === rawName && isAfter(name.text, last)) {
          last = name.text;
        } else {
          // not the canonical query after all: the pairs before this one are kept as sent
          asSent = false;
          keepPairs(signed, text, 0, start, signatureAt);
        }
      }
      if (!asSent) signed.set(name.text, kept ? text.slice(start, end) : `${name.encoded}=${value.encoded}`);
    } else if (text.length > 0 && asSent) {
      asSent = false;
      keepPairs(signed, text, 0, start, signatureAt);
    }
    start = end + 1;
  }
  if (!asSent || values.size === 0) return;
  if (signatureAt < 0) into.canonical = text;
  else if (signatureEnd === text.length) into.canonical = text.slice(0, Math.max(0, signatureAt - 1));
  else into.canonical = text.slice(0, signatureAt) + text.slice(signatureEnd + 1);
}
