import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

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
 * One parameter as the string to sign holds it, from its POP-encoded name and value. The
 * canonical query is encoded a second time there; as it holds only unreserved characters,
 * '%', '=' and '&', that changes just '%' (to %25) and the separators (%3D, %26).
 */
export function signedPair(encodedName: string, encodedValue: string): string {
  return `${encodeAgain(encodedName)}%3D${encodeAgain(encodedValue)}`;
}

function encodeAgain(encoded: string): string {
  return encoded.includes('%') ? encoded.replaceAll('%', '%25') : encoded;
}

/** The string to sign from each parameter's `signedPair`, by name (the request reader makes them as it parses). */
export function stringToSignOfPairs(method: string, pairs: ReadonlyMap<string, string>): string {
  let out = `${method.toUpperCase()}&%2F&`;
  let first = true;
  for (const name of sortedNames(pairs.keys())) {
    out += first ? pairs.get(name)! : '%26' + pairs.get(name)!;
    first = false;
  }
  return out;
}

export function stringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const pairs = new Map<string, string>();
  for (const [k, v] of params) pairs.set(k, signedPair(percentEncode(k), percentEncode(v)));
  return stringToSignOfPairs(method, pairs);
}

/** The HMAC key of an AccessKey secret (`secret&`), made once per key rather than per request. */
export function signingKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret + '&', 'utf8'));
}

export function sign(secret: string | KeyObject, text: string): string {
  return createHmac('sha1', typeof secret === 'string' ? secret + '&' : secret).update(text, 'utf8').digest('base64');
}

/** Constant-time comparison of a presented signature with the expected one. */
export function signatureMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
