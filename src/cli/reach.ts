/**
 * What to tell a user whose request never got an HTTP answer. fetch says only "fetch failed";
 * the reason is in its `cause` (a system error code, or a TLS error).
 */
export function unreachableMessage(url: string, err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  const origin = originOf(url);
  const check = 'check --server, or start the server with `borealis serve`';
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach ${url}: nothing is listening at ${origin} (${code}). Is the server running on that host and port? ${check}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach ${url}: the host name of ${origin} does not resolve (${code}); check --server`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `cannot reach ${url}: ${origin} closed the connection (${code}). Is it a Borealis server, and does the scheme (http/https) match its TLS setting?`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `cannot reach ${url}: connecting to ${origin} timed out (${code}); check the address and any firewall`;
    default:
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
        return `cannot reach ${url}: its TLS certificate is not trusted (${code}); point NODE_EXTRA_CA_CERTS at the CA file`;
      }
      if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
        return `cannot reach ${url}: TLS handshake failed (${code}); the server may speak plain http`;
      }
      return `cannot reach ${url}: ${describe(err, cause)}; ${check}`;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function describe(err: unknown, cause: { code?: unknown; message?: unknown } | undefined): string {
  const top = err instanceof Error ? err.message : String(err);
  const inner = typeof cause?.message === 'string' ? cause.message : '';
  return inner && inner !== top ? `${top} (${inner})` : top;
}

/** True for the errors fetch throws when no HTTP answer arrived (not for HTTP error statuses). */
export function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError && (err as { cause?: unknown }).cause !== undefined;
}
