/**
 * JPush error codes and the HTTP status each one travels with (the error table of the
 * Push API v3). Every API family maps its failures onto an ApiError; the HTTP layer turns
 * it into `{"error":{"code":N,"message":"..."}}` with the status below.
 */
export const ERROR_STATUS: Readonly<Record<number, number>> = {
  1000: 500, // internal error
  1001: 405, // only POST supported
  1002: 400, // required parameter missing
  1003: 400, // parameter value illegal
  1004: 401, // authentication failed
  1005: 400, // message body too large (413 when the raw HTTP body exceeds the server limit)
  1008: 400, // app_key illegal
  1009: 400, // unsupported key in the push object
  1011: 400, // no push target matches
  1012: 400, // pushes matching the conditions exceed the limit
  1016: 400,
  1017: 400, // mutually exclusive vendor channel attributes
  1018: 400, // callback url not registered
  1019: 400, // third_party_channel distribution does not match message type
  1020: 404, // only HTTPS
  1030: 503, // internal timeout
  1031: 400, // live activity mixed with notification / message
  1033: 400,
  1035: 400,
  1036: 400,
  2002: 429, // request rate over the app's limit
  2003: 403, // app restricted
  2004: 403, // source IP not allowed
  2005: 403,
  2006: 403,
  2007: 403, // no permission for this interface
  2008: 400, // broadcast over the daily limit
  2009: 400,
  2010: 400,
  2011: 400,
  // Device API (devices, tags, aliases)
  7000: 500, // internal error
  7001: 401, // authentication information missing
  7002: 400, // illegal parameter
  7004: 401, // authentication failed
  7008: 400, // appKey does not exist
  7013: 400, // some of the parameters are illegal
  7015: 400, // alias bound to too many devices
  7030: 503, // busy, retry
  // Report API (received, status, message statistics)
  10: 500, // internal error
  3001: 401, // HTTP Basic authentication failed
  3002: 400, // msg_id does not exist (for this app)
  3003: 400, // illegal parameter (Borealis's choice: the report table documents none)
  3004: 400, // users report: time_unit and start do not match
  3005: 400, // users report: the period asked is too long
};

export class ApiError extends Error {
  readonly code: number;
  readonly status: number;

  constructor(code: number, message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status ?? ERROR_STATUS[code] ?? 400;
  }

  toBody(): { error: { code: number; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const errors = {
  internal: (message = 'Server internal error') => new ApiError(1000, message),
  methodNotAllowed: (message = 'Only supports HTTP POST method') => new ApiError(1001, message),
  missing: (message: string) => new ApiError(1002, message),
  invalid: (message: string) => new ApiError(1003, message),
  auth: (message = 'Authen failed') => new ApiError(1004, message),
  appKey: (message = 'app_key is illegal') => new ApiError(1008, message),
  tooLarge: (message = 'Message body is too large') => new ApiError(1005, message),
  bodyTooLarge: (limit: number) => new ApiError(1005, `Request body exceeds ${limit} bytes`, 413),
  unsupportedKey: (message: string) => new ApiError(1009, message),
  noTarget: (message = 'cannot find user by this audience or has been inactive for more than 255 days') =>
    new ApiError(1011, message),
  callbackUrl: (message: string) => new ApiError(1018, message),
  liveActivityExclusive: (message = 'live_activity cannot be pushed with notification or message') =>
    new ApiError(1031, message),
  rateLimited: (message = 'Request exceeds the rate limit of this app') => new ApiError(2002, message),
  deviceInvalid: (message: string) => new ApiError(7002, message),
  deviceAuth: (message = 'Authen failed') => new ApiError(7004, message),
  aliasFull: (limit: number) => new ApiError(7015, `alias is bound to ${limit} devices already`),
  broadcastLimited: (message = 'Broadcast push exceeds the daily limit of this app') => new ApiError(2008, message),
};
