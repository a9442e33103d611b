import type { MessagingRecipient } from './types.js';

/**
 * Per-recipient template variables: every `{{name}}` in a string of the message is replaced
 * by the recipient's `params.name` (left as it is when the recipient has no such variable).
 * Recipients with the same variables share one rendered message, so batching vendors still
 * send one request for many people.
 */

/** `{{name}}` in a string of a message (UMS templates fill the same placeholders). */
export const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,64})\s*\}\}/g;

/** A deep copy of `value` with each of its strings replaced by `fn(string)`. */
export function mapStrings(value: unknown, fn: (s: string) => unknown): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}

/** A deep copy of `value` with the placeholders of its strings filled from `params`. */
export function fillParams(value: unknown, params: Readonly<Record<string, string>> | undefined): unknown {
  if (!params) return value;
  return mapStrings(value, (s) => s.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole)));
}

/** Groups recipient indexes by identical variables (none at all is one group), order kept. */
export function groupByParams(recipients: readonly MessagingRecipient[]): { params: Readonly<Record<string, string>> | undefined; indexes: number[] }[] {
  const groups = new Map<string, { params: Readonly<Record<string, string>> | undefined; indexes: number[] }>();
  recipients.forEach((r, i) => {
    const params = r.params && Object.keys(r.params).length > 0 ? r.params : undefined;
    const key = params ? JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { params, indexes: [] }));
    group.indexes.push(i);
  });
  return [...groups.values()];
}
