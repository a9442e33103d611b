/**
 * Rules for the names that tie pushes to devices, shared by the push audience, the Device API
 * and the device protocol.
 */

/**
 * Valid tag and alias characters: letters, digits, underscore, Chinese characters and
 * `@!#$&*+=.|￥`. The older edition prints the last one as a second `$`; both are accepted.
 */
export const TAG_ALIAS_PATTERN = '^[0-9A-Za-z_@!#$&*+=.|￥\\p{Script=Han}]+$';
export const MAX_TAG_ALIAS_BYTES = 40;

/** Registration ids are opaque alphanumeric device identifiers (e.g. "1a0018970a9b5d0ad04"). */
export const REGISTRATION_ID_PATTERN = '^[0-9A-Za-z]{1,64}$';

const tagAlias = new RegExp(TAG_ALIAS_PATTERN, 'u');
const registrationId = new RegExp(REGISTRATION_ID_PATTERN);

export function isTagOrAlias(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_TAG_ALIAS_BYTES &&
    Buffer.byteLength(value, 'utf8') <= MAX_TAG_ALIAS_BYTES &&
    tagAlias.test(value)
  );
}

export function isRegistrationId(value: unknown): value is string {
  return typeof value === 'string' && registrationId.test(value);
}

/** Accounts are user ids chosen by the app; commas separate them in EMAS target lists. */
export const MAX_ACCOUNT_BYTES = 64;

export function isAccount(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    Buffer.byteLength(value, 'utf8') <= MAX_ACCOUNT_BYTES &&
    // eslint-disable-next-line no-control-regex
    !/[,\u0000-\u001f\u007f]/.test(value)
  );
}
