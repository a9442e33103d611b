import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1): every parameter but `Signature`,
 * sorted by name (byte order), name and value percent-encoded (RFC 3986 unreserved characters
 * kept, everything else as %XY of its UTF-8 bytes, space as %20), joined with `&` and `=`;
 * the string to sign is `METHOD&%2F&` + the encoded canonical query; the key is the secret
 * followed by `&`; the signature is the Base64 of the HMAC-SHA1.
 */

/** Percent-encoding as POP defines it: encodeURIComponent also spares !'()*, which POP encodes. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
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
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
}

export function sign(secret: string, text: string): string {
  return createHmac('sha1', secret + '&').update(text, 'utf8').digest('base64');
}

/** Constant-time comparison of a presented signature with the expected one. */
export function signatureMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
