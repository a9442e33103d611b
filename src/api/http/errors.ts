import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, errors } from '../../domain/errors.js';
import type { ServerContext } from '../../context.js';

/** Maps every failure to JPush's error body; nothing leaves as a bare 500 page. */
export function toApiError(err: FastifyError | Error, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(bodyLimit);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.missing('Request body is empty');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return errors.invalid(fe.message);
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
    if (apiError.status >= 500) request.log.error({ err }, 'request failed');
    ctx.metrics.pushesRejected.inc({ code: String(apiError.code) });
    // A body that was cut off mid-stream leaves the connection in an unknown state.
    if (apiError.status === 413) reply.header('Connection', 'close');
    return reply.status(apiError.status).send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: { code: 1003, message: `No API at ${request.method} ${request.url.split('?')[0]}` } });
  });
}
