import type { Json, JsonObject } from '../../domain/push.js';
import { emas } from './errors.js';

/** Days in each month of a leap year (February's 29th is checked against the year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The number that `count` decimal digits of `text` from `at` write, or -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DASH = 45;
const COLON = 58;
const DOT = 46;

/**
 * Epoch ms of a POP time, ISO 8601 in UTC as POP writes it: `YYYY-MM-DDThh:mm:ssZ`, a fraction
 * of one to three digits tolerated before the Z. Undefined when the text is not one, or names
 * an impossible date (2019-02-30, which Date.parse would roll over to March). Read field by
 * field and built with Date.UTC: every signed request has one (Timestamp), on its hot path.
 */
export function parseUtcTime(text: string): number | undefined {
  const n = text.length;
  if (n !== 20 && (n < 22 || n > 24)) return undefined;
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text[10] !== 'T' || text.charCodeAt(13) !== COLON) return undefined;
  if (text.charCodeAt(16) !== COLON || text[n - 1] !== 'Z' || (n > 20 && text.charCodeAt(19) !== DOT)) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  // ".5" is 500 ms, as ISO 8601 reads a fraction
  const fraction = n === 20 ? 0 : digitsAt(text, 20, n - 21);
  if (year < 0 || hour < 0 || minute < 0 || second < 0 || fraction < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > MONTH_DAYS[month - 1]! || (month === 2 && day === 29 && !isLeap(year))) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = n === 22 ? fraction * 100 : n === 23 ? fraction * 10 : fraction;
  // Date.UTC reads the years 0..99 as 1900..1999: those are counted 400 years (one whole
  // Gregorian cycle, 146,097 days) later and moved back
  if (year < 100) return Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - GREGORIAN_CYCLE_MS;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

export function formatUtcTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface StringRules {
  maxBytes?: number;
  maxLength?: number;
  pattern?: RegExp;
}

/** A present, non-empty string parameter against its limits. */
function checked(name: string, v: string, rules: StringRules): string {
  if (rules.maxLength !== undefined && v.length > rules.maxLength && [...v].length > rules.maxLength) throw emas.lengthExceed(name, rules.maxLength);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short strings need no count
  if (rules.maxBytes !== undefined && v.length * 3 > rules.maxBytes && Buffer.byteLength(v) > rules.maxBytes) throw emas.bytesExceed(name, rules.maxBytes);
  if (rules.pattern && !rules.pattern.test(v)) throw emas.format(name);
  return v;
}

/** Bits of the parameter groups each name belongs to (see `paramGroup`). */
const GROUP_BITS = new Map<string, number>();
let nextGroupBit = 1;

/**
 * A group of parameters that a translation step reads, found by running the step once over no
 * parameters and noting every name it looks up (so the group cannot miss one the step reads).
 * `Params.anyOf` then tells whether a request gives any of them: a step none of whose
 * parameters is given is skipped instead of looking up each of them in turn.
 */
export function paramGroup(step: (p: Params) => unknown): number {
  const names = new Set<string>();
  class Recording extends Map<string, string> {
    override get(name: string): string | undefined {
      names.add(name);
      return undefined;
    }
    override has(name: string): boolean {
      names.add(name);
      return false;
    }
  }
  step(new Params(new Recording()));
  return namedGroup(names);
}

/** A group of parameters given by name (see `paramGroup`, and `Params.allIn`). */
export function namedGroup(names: Iterable<string>): number {
  if (nextGroupBit > 2 ** 30) throw new Error('too many parameter groups');
  const bit = nextGroupBit;
  nextGroupBit *= 2;
  for (const n of names) GROUP_BITS.set(n, (GROUP_BITS.get(n) ?? 0) | bit);
  return bit;
}

/**
 * The flat parameters of one request (query and form body merged), read with the checks and
 * error codes of the POP API: every getter throws the documented `Missing%s` / `Invalid%s.*`.
 * `prefix` reads one task of a batch (`PushTask.3.`) with the task's own names in errors.
 */
export class Params {
  /** The groups (paramGroup bits) of the parameters given, once asked. */
  private given: number | undefined;
  /** The groups that every parameter given belongs to, found with `given`. */
  private every = 0;

  constructor(
    readonly all: ReadonlyMap<string, string>,
    private readonly prefix = '',
  ) {}

  /** A view of the parameters under `prefix` (e.g. `PushTask.1.`). */
  scoped(prefix: string): Params {
    return new Params(this.all, this.prefix + prefix);
  }

  /** Whether the request gives any parameter of `group` (even an empty one). */
  anyOf(group: number): boolean {
    return (this.groups() & group) !== 0;
  }

  /** Whether every parameter the request gives belongs to `group` (true when it gives none). */
  allIn(group: number): boolean {
    this.groups();
    return (this.every & group) !== 0;
  }

  private groups(): number {
    if (this.given === undefined) {
      let any = 0;
      let every = -1;
      const names = this.prefix === '' ? this.all.keys() : this.names();
      for (const name of names) {
        const bits = GROUP_BITS.get(name) ?? 0;
        any |= bits;
        every &= bits;
      }
      this.given = any;
      this.every = every;
    }
    return this.given;
  }

  has(name: string): boolean {
    return this.all.has(this.prefix + name);
  }

  /** Names (without the prefix) of the parameters present under this view's prefix. */
  names(): string[] {
    const out: string[] = [];
    for (const k of this.all.keys()) if (k.startsWith(this.prefix)) out.push(k.slice(this.prefix.length));
    return out;
  }

  /** Calls `visit` with each parameter under this view's prefix (name without the prefix, value). */
  forEach(visit: (name: string, value: string) => void): void {
    const prefix = this.prefix;
    // Map#forEach, not for..of: no [name, value] array per parameter
    if (prefix === '') this.all.forEach((v, k) => visit(k, v));
    else this.all.forEach((v, k) => k.startsWith(prefix) && visit(k.slice(prefix.length), v));
  }

  raw(name: string): string | undefined {
    return this.all.get(this.prefix === '' ? name : this.prefix + name);
  }

  str(name: string, opts?: StringRules & { required?: boolean }): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') {
      if (opts?.required) throw v === undefined ? emas.missing(name) : emas.empty(name);
      return v;
    }
    return opts ? checked(name, v, opts) : v;
  }

  need(name: string, opts?: StringRules): string {
    const v = this.raw(name);
    if (v === undefined || v === '') throw v === undefined ? emas.missing(name) : emas.empty(name);
    return opts ? checked(name, v, opts) : v;
  }

  oneOf<T extends string>(name: string, values: readonly T[], required = false): T | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') {
      if (required) throw v === undefined ? emas.missing(name) : emas.empty(name);
      return undefined;
    }
    if (!(values as readonly string[]).includes(v)) throw emas.format(name, `Valid values: ${values.join(', ')}.`);
    return v as T;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') return undefined;
    if (v === 'true' || v === 'True' || v === 'TRUE') return true;
    if (v === 'false' || v === 'False' || v === 'FALSE') return false;
    throw emas.format(name, 'Valid values: true, false.');
  }

  int(name: string, range: { min?: number; max?: number; required?: boolean } = {}): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') {
      if (range.required) throw emas.missing(name);
      return undefined;
    }
    if (!/^-?[0-9]{1,19}$/.test(v)) throw emas.format(name, 'An integer is expected.');
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw emas.format(name, 'The integer is out of range.');
    if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
      throw emas.format(name, `Valid range: ${range.min ?? '-'}..${range.max ?? '-'}.`);
    }
    return n;
  }

  number(name: string, min: number, max: number): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!/^-?[0-9.eE+-]{1,32}$/.test(v) || !Number.isFinite(n) || n < min || n > max) throw emas.format(name, `Valid range: ${min}..${max}.`);
    return n;
  }

  time(name: string, required = false): number | undefined {
    const v = this.str(name, { required });
    if (v === undefined || v === '') return undefined;
    const ms = parseUtcTime(v);
    if (ms === undefined) throw emas.format(name, 'Use YYYY-MM-DDThh:mm:ssZ (UTC).');
    return ms;
  }

  /** A JSON object parameter (the `*ExtParameters` maps). */
  jsonMap(name: string, maxBytes = 4096): JsonObject | undefined {
    const v = this.str(name, { maxBytes });
    if (v === undefined || v === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw emas.format(name, 'A JSON map is expected.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw emas.format(name, 'A JSON map is expected.');
    return parsed as JsonObject;
  }

  jsonArray(name: string, maxItems: number, maxBytes = 4096): Json[] | undefined {
    const v = this.str(name, { maxBytes });
    if (v === undefined || v === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw emas.format(name, 'A JSON array is expected.');
    }
    if (!Array.isArray(parsed) || parsed.length > maxItems || !parsed.every((x) => typeof x === 'string')) {
      throw emas.format(name, `A JSON array of at most ${maxItems} strings is expected.`);
    }
    return parsed as Json[];
  }

  /** A comma-separated list: trimmed, empty items dropped, at most `max` (LengthExceed beyond). */
  list(name: string, max: number, opts: { required?: boolean; itemMaxBytes?: number } = {}): string[] {
    const v = this.str(name, { required: opts.required });
    if (v === undefined || v === '') {
      if (opts.required) throw emas.empty(name);
      return [];
    }
    const items = listItems(v);
    if (items.length === 0 && opts.required) throw emas.empty(name);
    if (items.length > max) throw emas.lengthExceed(name, max);
    if (opts.itemMaxBytes !== undefined && items.some((s) => Buffer.byteLength(s) > opts.itemMaxBytes!)) {
      throw emas.bytesExceed(name, opts.itemMaxBytes);
    }
    return items;
  }
}

/** The items of a comma-separated list: trimmed, empty ones dropped, each once, in order. */
function listItems(v: string): string[] {
  const out: string[] = [];
  // short lists (nearly all) are deduplicated pairwise; past 16 items a Set takes over
  let seen: Set<string> | undefined;
  for (let start = 0; start <= v.length; ) {
    let end = v.indexOf(',', start);
    if (end < 0) end = v.length;
    const item = v.slice(start, end).trim();
    start = end + 1;
    if (item.length === 0) continue;
    if (seen === undefined && out.length >= 16) seen = new Set(out);
    if (seen !== undefined) {
      if (seen.has(item)) continue;
      seen.add(item);
    } else if (out.includes(item)) continue;
    out.push(item);
  }
  return out;
}
