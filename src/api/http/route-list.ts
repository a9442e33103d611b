import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
}

const lists = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Records every route registered on `app` from now on (install before any route). */
export function recordRoutes(app: FastifyInstance): void {
  const list: RouteEntry[] = [];
  lists.set(app, list);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) list.push({ method, url: route.url });
  });
}

/** The routes of a server built by buildHttpServer: what the API serves, for checks and docs. */
export function registeredRoutes(app: FastifyInstance): readonly RouteEntry[] {
  return lists.get(app) ?? [];
}
