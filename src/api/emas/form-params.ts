import { emas } from './errors.js';
import { percentEncode, signedPair } from './signature.js';

/**
 * Reads a request's query and form body in one pass per text: each `name=value` is decoded as
 * URLSearchParams decodes it, and is also kept in the form the string to sign needs, so the
 * signature check does not walk, sort-encode and re-encode the parameters a second time.
 * A raw name or value made only of unreserved characters is its own POP encoding; it is
 * neither decoded nor encoded (the usual case for names, ids, enums and numbers).
 */

/** Literal A-Z a-z 0-9 - _ . ~ only: decoded, it is the same text, and POP-encoded too. */
const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;
/** Printable ASCII but the space: decodeURIComponent then decodes exactly as URLSearchParams. */
const PLAIN_ASCII = /^[!-~]*$/;

export interface FormParams {
  /** Decoded values by name, as the actions read them. */
  readonly values: Map<string, string>;
  /** Each parameter's `signedPair`, by name. */
  readonly signed: Map<string, string>;
}

export function emptyForm(): FormParams {
  return { values: new Map(), signed: new Map() };
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

/** Adds the parameters of `text` to `into`; a name given twice is refused (its signature would be ambiguous). */
export function readForm(text: string, into: FormParams, maxParams: number): void {
  const { values, signed } = into;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      // the '=' is looked for inside this pair only: a body of pairs without one stays linear
      const pair = text.slice(start, end);
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
      const plainName = UNRESERVED.test(rawName);
      const name = plainName ? rawName : decode(rawName);
      if (values.has(name)) throw emas.parameter(`${name.slice(0, 64)} is given more than once`);
      if (values.size >= maxParams) throw emas.parameter(`more than ${maxParams} parameters`);
      const plainValue = UNRESERVED.test(rawValue);
      const value = plainValue ? rawValue : decode(rawValue);
      values.set(name, value);
      signed.set(name, signedPair(plainName ? rawName : percentEncode(name), plainValue ? rawValue : percentEncode(value)));
    }
    start = end + 1;
  }
}
