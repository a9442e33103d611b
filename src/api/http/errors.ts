import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorObject } from 'ajv';
import { ApiError, errors } from '../../domain/errors.js';
import type { ServerContext } from '../../context.js';
import { describeSchemaError } from './schema-errors.js';
import { StoreFeatureUnavailable, StoreInputRejected } from '../../store/store-errors.js';

/** Maps every failure to JPush's error body; nothing leaves as a bare 500 page. */
export function toApiError(err: FastifyError | Error, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreFeatureUnavailable) return new ApiError(1000, err.message, err.status);
  if (err instanceof StoreInputRejected) return errors.invalid(err.message);
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(bodyLimit);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.missing('Request body is empty');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.invalid('Content-Type header is malformed');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.invalid('Request body length does not match its Content-Length header');
    case 'FST_ERR_CTP_INVALID_TYPE':
      return errors.invalid(fe.message);
    case 'FST_ERR_VALIDATION': {
      // a route schema: the first problem, in the same words as the push object's
      const first = (fe.validation as ErrorObject[] | undefined)?.[0];
      if (!first) break;
      const problem = describeSchemaError(first, {}, fe.validationContext === 'querystring' ? 'query' : (fe.validationContext ?? 'body'));
      return problem.kind === 'missing' ? errors.missing(problem.message) : errors.invalid(problem.message);
    }
  }
  if (err instanceof SyntaxError || fe.statusCode === 400) return errors.invalid(`Illegal JSON: ${err.message}`);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ApiError(1003, err.message, fe.statusCode);
  }
  return errors.internal();
}

export function installErrorHandling(app: FastifyInstance, ctx: ServerContext): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const apiError = toApiError(err, ctx.config.limits.bodyBytes);
    if (apiError.status >= 500 && apiError.code !== SHUTTING_DOWN) request.log.error({ err }, 'request failed');
    ctx.metrics.pushesRejected.inc({ code: String(apiError.code) });
    // A body that was cut off mid-stream leaves the connection in an unknown state.
    if (apiError.status === 413) reply.header('Connection', 'close');
    return reply.status(apiError.status).send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: { code: 1003, message: `No API at ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}` } });
  });

  // Requests that arrive while the node stops: Fastify's own 503 page would not be a JPush body.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, _reply, done) => {
    if (closing) return done(new ApiError(SHUTTING_DOWN, 'The server is shutting down; retry', 503));
    done();
  });
}

/** JPush's "internal timeout, retry" code, used while the node is stopping. */
const SHUTTING_DOWN = 1030;

/**
 * HTTP errors found before Fastify sees a request (Node's HTTP parser): oversized or
 * malformed headers, bytes that are not HTTP, requests not received in time. They are answered
 * in the JPush error body like every other error, then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message = 'Malformed HTTP request';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = 'Request headers are too large';
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'Request not received in time';
  } else if (err.code === 'HPE_INVALID_METHOD') {
    message = 'Unknown HTTP method';
  } else if (err.code === 'HPE_INVALID_URL') {
    message = 'Malformed URL (raw bytes outside ASCII must be percent-encoded)';
  } else if (err.code === 'HPE_INVALID_HEADER_TOKEN') {
    message = 'Malformed header (names must be ASCII tokens)';
  }
  if (socket.writable) {
    const body = JSON.stringify({ error: { code: 1003, message } });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
