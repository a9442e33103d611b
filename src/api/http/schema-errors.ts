/**
 * Words for JSON Schema (Ajv) errors: the field's path, what was wrong and what is allowed,
 * instead of Ajv's own "must be equal to constant". Used for the push object and for any
 * route schema Fastify validates.
 */
import type { ErrorObject } from 'ajv';

/** Per-API descriptions: of fields that take several shapes (by path), and of patterns. */
export interface SchemaWords {
  shapes?: Readonly<Record<string, string>>;
  patterns?: Readonly<Record<string, string>>;
}

export interface SchemaProblem {
  /** missing: a required field (1002); unsupported: an unknown key (1009); invalid: a bad value (1003). */
  kind: 'missing' | 'unsupported' | 'invalid';
  message: string;
}

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
export function fieldPath(instancePath: string, child?: string, root = 'body'): string {
  let out = '';
  if (instancePath !== '') {
    for (const raw of instancePath.slice(1).split('/')) {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
    }
  }
  if (child !== undefined) out = out === '' ? child : `${out}.${child}`;
  return out === '' ? root : out;
}

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function quoted(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** "an integer from -2 to 2" from the schema the value broke (Ajv `verbose`), else from the limit. */
function rangeWords(e: ErrorObject): string {
  const p = e.params as { comparison?: string; limit?: number };
  const exclusive = p.comparison?.length === 1;
  const bound = `${p.comparison === '<=' || p.comparison === '<' ? 'at most' : 'at least'} ${String(p.limit)}${exclusive ? ' (exclusive)' : ''}`;
  const schema = e.parentSchema as Record<string, unknown> | undefined;
  if (!schema) return bound;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const what = types.includes('integer') ? 'an integer' : 'a number';
  const { minimum: min, maximum: max } = schema;
  if (typeof min === 'number' && typeof max === 'number') return `${what} from ${min} to ${max}`;
  return `${what} of ${bound}`;
}

export function describeSchemaError(e: ErrorObject, words: SchemaWords = {}, root = 'body'): SchemaProblem {
  const p = e.params as Record<string, unknown>;
  const invalid = (message: string): SchemaProblem => ({ kind: 'invalid', message });
  switch (e.keyword) {
    case 'additionalProperties':
      return { kind: 'unsupported', message: `unsupported key: ${fieldPath(e.instancePath, String(p.additionalProperty), root)}` };
    case 'required':
      return { kind: 'missing', message: `${fieldPath(e.instancePath, String(p.missingProperty), root)} is required` };
  }
  const path = fieldPath(e.instancePath, undefined, root);
  const shape = words.shapes?.[path];
  if (shape !== undefined && (e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'minItems')) {
    return invalid(`${path} must be ${shape}`);
  }
  switch (e.keyword) {
    case 'type':
      return invalid(`${path} must be ${typeWords(p.type)}`);
    case 'enum':
      return invalid(`${path} must be one of ${quoted(p.allowedValues as unknown[])}`);
    case 'const':
      return invalid(`${path} must be ${JSON.stringify(p.allowedValue)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return invalid(`${path} must be ${rangeWords(e)}`);
    case 'minLength':
      return invalid(p.limit === 1 ? `${path} must not be empty` : `${path} must be at least ${String(p.limit)} characters`);
    case 'maxLength':
      return invalid(`${path} must be at most ${String(p.limit)} characters`);
    case 'minItems':
      return invalid(p.limit === 1 ? `${path} must not be empty` : `${path} must have at least ${String(p.limit)} items`);
    case 'maxItems':
      return invalid(`${path} must have at most ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`);
    case 'uniqueItems':
      return invalid(`${path} must not repeat items`);
    case 'pattern': {
      const described = words.patterns?.[String(p.pattern)];
      return invalid(described ? `${path} must be ${described}` : `${path} has an invalid format`);
    }
    case 'format':
      return invalid(`${path} must be a valid ${String(p.format)}`);
    default:
      return invalid(`${path} is invalid`);
  }
}
