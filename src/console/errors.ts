import { ApiError } from '../domain/errors.js';

/**
 * The console's own error codes (9xxx), in the same `{"error":{"code","message"}}` body as
 * every other API of the server.
 */
export const consoleErrors = {
  /** No session, or one that ended. */
  signedOut: () => new ApiError(9001, 'not signed in to the console', 401),
  /** A change without the session's anti-CSRF token. */
  csrf: () => new ApiError(9002, 'missing or wrong X-CSRF-Token header', 403),
  /** The operator's role or app list does not allow this. */
  forbidden: (what: string) => new ApiError(9003, `not allowed: ${what}`, 403),
  tooManyLogins: (seconds: number) => new ApiError(9004, `too many failed sign-ins; try again in ${seconds} s`, 429),
  badCredentials: () => new ApiError(9005, 'wrong name or password', 401),
  invalid: (message: string) => new ApiError(9006, message, 400),
  notFound: (what: string) => new ApiError(9007, `${what} not found`, 404),
  conflict: (message: string) => new ApiError(9008, message, 409),
};
