import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1): every parameter but `Signature`,
 * sorted by name (byte order), name and value percent-encoded (RFC 3986 unreserved characters
 * kept, everything else as %XY of its UTF-8 bytes, space as %20), joined with `&` and `=`;
 * the string to sign is `METHOD&%2F&` + the encoded canonical query; the key is the secret
 * followed by `&`; the signature is the Base64 of the HMAC-SHA1.
 */

/** Percent-encoding as POP defines it: encodeURIComponent also spares !'()*, which POP encodes. */
const POP_EXTRA = /[!'()*]/;

export function percentEncode(value: string): string {
  const encoded = encodeURIComponent(value);
  // most values have none of the five characters: skip the replace (it is a hot path)
  return POP_EXTRA.test(encoded) ? encoded.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) : encoded;
}

/** Names in the byte-wise order of their UTF-8 form, as the specification says; `Signature` is left out. */
function sortedNames(names: Iterable<string>): string[] {
  const out: string[] = [];
  let ascii = true;
  for (const k of names) {
    if (k === 'Signature') continue;
    out.push(k);
    if (ascii && /[^ -~]/.test(k)) ascii = false;
  }
  // for printable ASCII names (nearly always) the UTF-16 order is the byte order, with no conversion
  if (ascii) out.sort();
  else out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return out;
}

export function canonicalQuery(params: ReadonlyMap<string, string>): string {
  return sortedNames(params.keys()).map((k) => `${percentEncode(k)}=${percentEncode(params.get(k)!)}`).join('&');
}

/**
 * The canonical query, encoded once more for the string to sign. It holds only unreserved
 * characters, '%', '=' and '&', so POP's encoding of it is encodeURIComponent's (which
 * changes just those three, and in native code).
 */
function encodeAgain(canonical: string): string {
  return encodeURIComponent(canonical);
}

/** The string to sign from each parameter POP-encoded as `name=value`, by name (the request reader makes them as it parses). */
export function stringToSignOfPairs(method: string, pairs: ReadonlyMap<string, string>): string {
  const names = sortedNames(pairs.keys());
  const parts = new Array<string>(names.length);
  for (let i = 0; i < names.length; i++) parts[i] = pairs.get(names[i]!)!;
  return stringToSignOfCanonical(method, parts.join('&'));
}

/** The string to sign from the canonical query (the request reader finds it as sent, see FormParams.canonical). */
export function stringToSignOfCanonical(method: string, canonical: string): string {
  return `${method.toUpperCase()}&%2F&${encodeAgain(canonical)}`;
}

export function stringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const pairs = new Map<string, string>();
  for (const [k, v] of params) pairs.set(k, `${percentEncode(k)}=${percentEncode(v)}`);
  return stringToSignOfPairs(method, pairs);
}

/** The HMAC key of an AccessKey secret (`secret&`), made once per key rather than per request. */
export function signingKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret + '&', 'utf8'));
}

export function sign(secret: string | KeyObject, text: string): string {
  return createHmac('sha1', typeof secret === 'string' ? secret + '&' : secret).update(text, 'utf8').digest('base64');
}

/**
 * Constant-time comparison of a presented signature with the expected one: every UTF-16 unit
 * is compared, whatever differs first, so only the length (public: a Base64 SHA-1 digest is
 * 28 characters) can end it early. No buffers: it runs once per signed request.
 */
export function signatureMatches(presented: string, expected: string): boolean {
  if (presented.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= presented.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
