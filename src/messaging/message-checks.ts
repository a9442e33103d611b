/**
 * Small checks the `msg_<channel>` validators share. Each returns an error text naming the
 * field (as the request spells it), or undefined when the value is acceptable.
 */

export type Obj = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Characters as people count them (code points, so one emoji or CJK ideograph is one). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export interface StringRule {
  required?: boolean;
  maxChars?: number;
  maxBytes?: number;
  /** An empty string counts as missing. */
  nonEmpty?: boolean;
  pattern?: RegExp;
}

/** Checks `obj[field]` as a string; `path` prefixes the field name in the error. */
export function checkString(obj: Obj, field: string, rule: StringRule, path = ''): string | undefined {
  const name = `${path}${field}`;
  const value = obj[field];
  if (value === undefined || value === null) return rule.required ? `${name} is required` : undefined;
  if (typeof value !== 'string') return `${name} must be a string`;
  if ((rule.required || rule.nonEmpty) && value.length === 0) return `${name} must not be empty`;
  if (rule.maxChars !== undefined && charCount(value) > rule.maxChars) return `${name} must be at most ${rule.maxChars} characters`;
  if (rule.maxBytes !== undefined && utf8Bytes(value) > rule.maxBytes) return `${name} must be at most ${rule.maxBytes} bytes`;
  if (rule.pattern && !rule.pattern.test(value)) return `${name} is malformed`;
  return undefined;
}

/** Checks `obj[field]` as one of `allowed` integers (absent is fine unless required). */
export function checkIntIn(obj: Obj, field: string, allowed: readonly number[], path = '', required = false): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return required ? `${path}${field} is required` : undefined;
  if (typeof value !== 'number' || !allowed.includes(value)) return `${path}${field} must be one of ${allowed.join(', ')}`;
  return undefined;
}

/** Checks `obj[field]` as an integer within min..max (absent is fine). Numeric strings are accepted, as the reference shows both. */
export function checkIntRange(obj: Obj, field: string, min: number, max: number, path = ''): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) return `${path}${field} must be an integer ${min}..${max}`;
  return undefined;
}

/** The first error of several checks, run in order. */
export function firstError(...checks: (() => string | undefined)[]): string | undefined {
  for (const check of checks) {
    const error = check();
    if (error) return error;
  }
  return undefined;
}
