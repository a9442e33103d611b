import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

/**
 * Alipay open-platform RSA2 signatures: a request is signed over its parameters (all but
 * `sign`, empty values left out) sorted by name and joined as `k=v&k=v`, with SHA256withRSA;
 * an answer is verified over the exact JSON text of its `<method>_response` member.
 */

/** Alipay hands keys out as bare base64; PEM is accepted as well. */
function toPem(key: string, label: 'PRIVATE KEY' | 'PUBLIC KEY'): string {
  const trimmed = key.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed;
  const body = trimmed.replace(/\s+/g, '');
  return `-----BEGIN ${label}-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

const KEY_CACHE_LIMIT = 256;
const keyCache = new Map<string, KeyObject>();

function cachedKey(kind: 'private' | 'public', text: string): KeyObject {
  const id = `${kind}:${createHash('sha256').update(text).digest('base64url')}`;
  let key = keyCache.get(id);
  if (!key) {
    key = kind === 'private' ? createPrivateKey(toPem(text, 'PRIVATE KEY')) : createPublicKey(toPem(text, 'PUBLIC KEY'));
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/** The RSA key of `text`, or an error text (not RSA, shorter than 2048 bits, unreadable). */
export function readRsaKey(kind: 'private' | 'public', text: string): KeyObject | string {
  let key: KeyObject;
  try {
    key = cachedKey(kind, text);
  } catch {
    return `not a readable RSA ${kind} key`;
  }
  if (key.asymmetricKeyType !== 'rsa') return `not an RSA ${kind} key`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return `RSA2 needs a key of at least 2048 bits (this one has ${bits})`;
  return key;
}

/** The string Alipay signs: parameters but `sign`, non-empty, sorted by name, `k=v` joined with `&`. */
export function signingString(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function signRsa2(content: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

export function verifyRsa2(content: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * The exact text of the JSON value of top-level member `name` in `json` (the part Alipay
 * signed), or undefined. Scans the text instead of re-serializing, which would change it.
 */
export function rawMember(json: string, name: string): string | undefined {
  const key = `"${name}"`;
  let at = json.indexOf(key);
  while (at !== -1) {
    let i = at + key.length;
    while (i < json.length && /\s/.test(json[i]!)) i++;
    if (json[i] === ':') {
      i++;
      while (i < json.length && /\s/.test(json[i]!)) i++;
      const end = valueEnd(json, i);
      return end === undefined ? undefined : json.slice(i, end);
    }
    at = json.indexOf(key, at + 1);
  }
  return undefined;
}

/** Index just past the object or array starting at `start`, honouring strings and escapes. */
function valueEnd(text: string, start: number): number | undefined {
  const open = text[start];
  if (open !== '{' && open !== '[') return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** `yyyy-MM-dd HH:mm:ss` in China time (UTC+8), the timestamp format of the gateway. */
export function alipayTimestamp(now = Date.now()): string {
  const t = new Date(now + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}`;
}
