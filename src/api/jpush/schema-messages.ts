/**
 * Turns the first Ajv error of the push schema into the JPush error a caller can act on: the
 * field's path, what was wrong, and what is allowed. Ajv must run with `verbose: true`, so an
 * error carries the schema it broke (a range names both of its ends).
 */
import type { ErrorObject } from 'ajv';
import { ApiError, errors } from '../../domain/errors.js';
import { REGISTRATION_ID_PATTERN, TAG_ALIAS_PATTERN } from '../../domain/names.js';
import { AUDIENCE_KINDS, BADGE_PATTERN, CID_PATTERN, DATE_TIME_PATTERN, IDENTIFIER_PATTERN, JPUSH_PLATFORMS, MSG_ID_PATTERN } from './push-schema.js';

/** Whole-field descriptions for fields that take one of several shapes. */
const SHAPES: Record<string, string> = {
  platform: `"all" or an array of platforms (${JPUSH_PLATFORMS.join(', ')})`,
  audience: `"all" or an object with any of ${AUDIENCE_KINDS.join(', ')}`,
};

/** What each pattern of the schema accepts, in words. */
const PATTERNS: Record<string, string> = {
  [TAG_ALIAS_PATTERN]: 'letters, digits, Chinese characters, _ and @!#$&*+=.|￥ only',
  [REGISTRATION_ID_PATTERN]: 'a registration id: 1..64 letters and digits',
  [CID_PATTERN]: 'a cid issued by GET /v3/push/cid ({appKey}-{uuid})',
  [DATE_TIME_PATTERN]: 'a time written "yyyy-MM-dd HH:mm:ss"',
  [IDENTIFIER_PATTERN]: 'letters, digits and _, not starting with a digit',
  [BADGE_PATTERN]: 'a number N or a string "N", "+N" or "-N" (N of at most 9 digits)',
  [MSG_ID_PATTERN]: 'a msg_id: a positive integer, as a number or a string',
};

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null',
};

/** "/notification/ios/badge" -> "notification.ios.badge", "/audience/tag/3" -> "audience.tag[3]" */
export function fieldPath(instancePath: string, child?: string): string {
  let out = '';
  if (instancePath !== '') {
    for (const raw of instancePath.slice(1).split('/')) {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
    }
  }
  if (child !== undefined) out = out === '' ? child : `${out}.${child}`;
  return out === '' ? 'push object' : out;
}

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function quoted(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** "an integer from -2 to 2", "an integer of at least 1", from the schema the value broke. */
function rangeWords(schema: Record<string, unknown>): string {
  const what = schema.type === 'integer' || (Array.isArray(schema.type) && schema.type.includes('integer')) ? 'an integer' : 'a number';
  const { minimum: min, maximum: max } = schema;
  if (typeof min === 'number' && typeof max === 'number') return `${what} from ${min} to ${max}`;
  if (typeof min === 'number') return `${what} of at least ${min}`;
  return `${what} of at most ${String(max)}`;
}

export function schemaError(e: ErrorObject): ApiError {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return errors.unsupportedKey(`unsupported key: ${fieldPath(e.instancePath, String(p.additionalProperty))}`);
    case 'required':
      return errors.missing(`${fieldPath(e.instancePath, String(p.missingProperty))} is required`);
  }
  const path = fieldPath(e.instancePath);
  const shape = SHAPES[path];
  if (shape !== undefined && (e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'minItems')) {
    return errors.invalid(`${path} must be ${shape}`);
  }
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return errors.invalid(`${path} must be ${typeWords(p.type)}`);
    case 'enum':
      return errors.invalid(`${path} must be one of ${quoted(p.allowedValues as unknown[])}`);
    case 'const':
      return errors.invalid(`${path} must be ${JSON.stringify(p.allowedValue)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return errors.invalid(`${path} must be ${rangeWords(parent)}`);
    case 'minLength':
      return errors.invalid(p.limit === 1 ? `${path} must not be empty` : `${path} must be at least ${String(p.limit)} characters`);
    case 'maxLength':
      return errors.invalid(`${path} must be at most ${String(p.limit)} characters`);
    case 'minItems':
      return errors.invalid(p.limit === 1 ? `${path} must not be empty` : `${path} must have at least ${String(p.limit)} items`);
    case 'maxItems':
      return errors.invalid(`${path} must have at most ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`);
    case 'pattern': {
      const words = PATTERNS[String(p.pattern)];
      return errors.invalid(words ? `${path} must be ${words}` : `${path} has an invalid format`);
    }
    default:
      return errors.invalid(`${path} is invalid`);
  }
}
