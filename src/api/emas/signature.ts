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

export function canonicalQuery(params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()].filter((k) => k !== 'Signature');
  // byte-wise order of the UTF-8 names, as the specification says; for printable ASCII names (nearly
  // always) that is the order of UTF-16 code units, which needs no conversion
  if (names.every((k) => !/[^ -~]/.test(k))) names.sort();
  else names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return names.map((k) => `${percentEncode(k)}=${percentEncode(params.get(k)!)}`).join('&');
}

export function stringToSign(method: string, params: ReadonlyMap<string, string>): string {
  // The canonical query holds only unreserved characters, '%', '=' and '&': encoding it again
  // changes just those three.
  const again = canonicalQuery(params).replaceAll('%', '%25').replaceAll('=', '%3D').replaceAll('&', '%26');
  return `${method.toUpperCase()}&%2F&${again}`;
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
