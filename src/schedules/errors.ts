import { ApiError } from '../domain/errors.js';

/** The Schedule API's own codes (8xxx) with their HTTP statuses. */
export const scheduleErrors = {
  invalid: (message: string) => new ApiError(8100, message, 400),
  auth: (message = 'Authen failed') => new ApiError(8101, message, 401),
  notFound: (message = 'schedule not found') => new ApiError(8104, message, 404),
  internal: (message = 'schedule server internal error') => new ApiError(8200, message, 500),
};

export const SCHEDULE_AUTH_CODES = { missing: 8101, failed: 8101 };
