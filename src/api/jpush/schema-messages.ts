/**
 * The words of push object errors: which shapes platform and audience take, and what each
 * pattern of the push schema accepts. Ajv runs with `verbose: true`, so a range error names
 * both of its ends.
 */
import type { ErrorObject } from 'ajv';
import { ApiError, errors } from '../../domain/errors.js';
import { REGISTRATION_ID_PATTERN, TAG_ALIAS_PATTERN } from '../../domain/names.js';
import { describeSchemaError, type SchemaWords } from '../http/schema-errors.js';
import { AUDIENCE_KINDS, BADGE_PATTERN, CID_PATTERN, DATE_TIME_PATTERN, IDENTIFIER_PATTERN, JPUSH_PLATFORMS, MSG_ID_PATTERN } from './push-schema.js';

const PUSH_WORDS: SchemaWords = {
  shapes: {
    platform: `"all" or an array of platforms (${JPUSH_PLATFORMS.join(', ')})`,
    audience: `"all" or an object with any of ${AUDIENCE_KINDS.join(', ')}`,
  },
  patterns: {
    [TAG_ALIAS_PATTERN]: 'letters, digits, Chinese characters, _ and @!#$&*+=.|￥ only',
    [REGISTRATION_ID_PATTERN]: 'a registration id: 1..64 letters and digits',
    [CID_PATTERN]: 'a cid issued by GET /v3/push/cid ({appKey}-{uuid})',
    [DATE_TIME_PATTERN]: 'a time written "yyyy-MM-dd HH:mm:ss"',
    [IDENTIFIER_PATTERN]: 'letters, digits and _, not starting with a digit',
    [BADGE_PATTERN]: 'a number N or a string "N", "+N" or "-N" (N of at most 9 digits)',
    [MSG_ID_PATTERN]: 'a msg_id: a positive integer, as a number or a string',
  },
};

/** The first schema error of a push object as its JPush error (1002, 1009 or 1003). */
export function schemaError(e: ErrorObject): ApiError {
  const problem = describeSchemaError(e, PUSH_WORDS, 'push object');
  if (problem.kind === 'missing') return errors.missing(problem.message);
  if (problem.kind === 'unsupported') return errors.unsupportedKey(problem.message);
  return errors.invalid(problem.message);
}
