import { ApiError } from '../../domain/errors.js';

/**
 * EMAS (Alibaba Cloud POP) errors: a string code, a message and an HTTP status, answered as
 * `{RequestId, HostId, Code, Message}`. Gateway codes (signature, timestamp, throttling) and
 * Push's `Invalid%s.*` family live here, once.
 */
export class EmasError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'EmasError';
  }
}

export const emas = {
  missing: (param: string) => new EmasError(`Missing${param}`, `${param} is mandatory for this action.`),
  format: (param: string, why?: string) =>
    new EmasError(`Invalid${param}.Format`, `The specified ${param} format is invalid.${why ? ` ${why}` : ''}`),
  empty: (param: string) => new EmasError(`Invalid${param}.Empty`, `The specified ${param} cannot be empty.`),
  lengthExceed: (param: string, max: number) =>
    new EmasError(`Invalid${param}.LengthExceed`, `The specified ${param} length cannot be greater than ${max}.`),
  bytesExceed: (param: string, max: number) =>
    new EmasError(`Invalid${param}.BytesExceed`, `The specified ${param} exceeds the ${max} bytes limit.`),
  notFound: (param: string, what = param) => new EmasError(`Invalid${param}.NotFound`, `The specified ${what} is not found.`),
  parameter: (detail: string) => new EmasError('Invalid.Parameter', `The specified parameter is invalid: ${detail}.`),
  apiNotFound: () => new EmasError('InvalidApi.NotFound', 'Specified api is not found, please check your url and method.', 404),
  version: () => new EmasError('InvalidVersion', 'Specified parameter Version is not valid.', 400),
  accessKeyNotFound: () => new EmasError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404),
  accessKeyInactive: () => new EmasError('InvalidAccessKeyId.Inactive', 'Specified access key is disabled.'),
  timestampFormat: () => new EmasError('InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () => new EmasError('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  nonceUsed: () => new EmasError('SignatureNonceUsed', 'Specified signature nonce was used already.'),
  signatureMismatch: (stringToSign: string) =>
    new EmasError('SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`),
  signatureMethod: () => new EmasError('InvalidSignatureMethod', 'Specified signature method is not supported.'),
  signatureVersion: () => new EmasError('InvalidSignatureVersion', 'Specified signature version is not supported.'),
  httpMethod: () => new EmasError('UnsupportedHTTPMethod', 'This http method is not supported.'),
  throttled: () => new EmasError('Throttling.User', 'Request was denied due to user flow control.'),
  permission: () => new EmasError('PermissionDenied', 'The specified AppKey is not authorized.'),
  targetNotSupported: () => new EmasError('TargetNotSupported', 'Target is not supported for batch push.'),
  periodExceed: (days: number) =>
    new EmasError('InvalidPeriod.ExceedDays', `The period between specified EndTime and StartTime exceeds ${days} days.`),
  bodyTooLarge: (limit: number) => new EmasError('InvalidParameter.BodyTooLarge', `The request body exceeds ${limit} bytes.`, 413),
  internal: () =>
    new EmasError(
      'InternalError',
      'The request processing has failed due to some unknown error. Please try again. If the error still exists, submit a ticket.',
      500,
    ),
};

/**
 * The engine speaks JPush codes (domain/errors.ts); an EMAS caller hears their EMAS
 * counterparts. Anything unexpected is an InternalError, never a bare 500 page.
 */
export function fromEngineError(err: ApiError): EmasError {
  switch (err.code) {
    case 1011:
      return new EmasError('InvalidTargetValue.NotFound', `No device matches the specified Target and TargetValue: ${err.message}`);
    case 1002:
    case 1003:
    case 1009:
    case 1031:
      return emas.parameter(err.message);
    case 1005:
      return new EmasError('InvalidBody.BytesExceed', err.message);
    case 2002:
    case 2008:
      return new EmasError('Throttling.User', `Request was denied due to user flow control: ${err.message}`);
    case 7002:
    case 7013:
    case 7015:
      return emas.parameter(err.message);
    default:
      return err.status < 500 ? emas.parameter(err.message) : emas.internal();
  }
}
