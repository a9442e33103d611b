import { Server } from 'node:net';

/**
 * Experiment preload for the reconnect storm, never part of the shipped server: every listening
 * socket in the process asks for an accept queue of BENCH_LISTEN_BACKLOG (default 4096; the
 * kernel caps it at net.core.somaxconn) instead of Node's 511, to show what a configurable
 * backlog would change when thousands of devices connect in the same second.
 */
const backlog = Number(process.env.BENCH_LISTEN_BACKLOG ?? 4096);
const listen = Server.prototype.listen as (...args: unknown[]) => Server;
Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  const first = args[0];
  if (typeof first === 'object' && first !== null && (first as { backlog?: number }).backlog === undefined) {
    args[0] = { ...first, backlog };
  }
  return listen.apply(this, args);
} as typeof Server.prototype.listen;
