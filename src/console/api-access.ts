import type { FastifyInstance } from 'fastify';
import { CONSOLE_ROLES } from '../store/console-types.js';
import { bodyOf, limitOf, query, text, type ConsoleContext } from './console-context.js';
import { consoleErrors } from './errors.js';
import { OperatorInputError, createOperator, operatorJson, parseRole, checkPassword } from './operators.js';
import { decoyHash, hashPassword, passwordMatches } from './passwords.js';
import { userOf } from './session.js';

const API = '/console/api';

function appList(raw: unknown): string[] | null {
  if (raw === undefined || raw === null || raw === '*') return null;
  if (!Array.isArray(raw) || raw.length > 1000 || !raw.every((k) => typeof k === 'string' && k.length > 0 && k.length <= 64)) {
    throw consoleErrors.invalid('apps: "*" or an array of app keys');
  }
  return [...new Set(raw as string[])];
}

/** Signing in and out, the session, operators (admin), and the audit log. */
export function registerAccessRoutes(app: FastifyInstance, cc: ConsoleContext): void {
  const store = cc.ctx.store.console;

  app.post(`${API}/login`, async (request, reply) => {
    const body = bodyOf(request);
    const name = text(body, 'name', { max: 64 })!;
    const password = text(body, 'password', { max: 1024 })!;
    const keys = [`ip:${request.ip}`, `name:${name}`];
    const wait = cc.limiter.retryAfter(keys);
    if (wait > 0) {
      reply.header('Retry-After', wait);
      throw consoleErrors.tooManyLogins(wait);
    }
    const operator = await store.operator(name);
    // an unknown name costs a hash check too, so timing does not tell names apart
    const ok = await passwordMatches(operator?.passwordHash ?? (await decoyHash()), password);
    if (!operator || !ok || operator.disabledAt !== null) {
      cc.limiter.failed(keys);
      await cc.audit(request, 'login.failed', { operator: name });
      throw consoleErrors.badCredentials();
    }
    cc.limiter.succeeded(keys);
    const signedIn = await cc.sessions.open(reply, operator);
    await cc.audit(request, 'login', { operator: name });
    return reply.send({ operator: operatorJson(operator), csrf: signedIn.csrf });
  });

  app.post(`${API}/logout`, { preHandler: cc.sessions.guard('viewer') }, async (request, reply) => {
    await cc.audit(request, 'logout');
    await cc.sessions.close(reply, request.consoleUser);
    return reply.send({});
  });

  app.get(`${API}/session`, { preHandler: cc.sessions.guard('viewer') }, async (request, reply) => {
    const me = userOf(request);
    return reply.send({ operator: operatorJson(me.operator), csrf: me.csrf, roles: CONSOLE_ROLES });
  });

  app.post(`${API}/password`, { preHandler: cc.sessions.guard('viewer') }, async (request, reply) => {
    const body = bodyOf(request);
    const me = userOf(request).operator;
    if (!(await passwordMatches(me.passwordHash, text(body, 'current', { max: 1024 })!))) throw consoleErrors.badCredentials();
    const next = text(body, 'password', { max: 1024 })!;
    try {
      checkPassword(next);
    } catch (err) {
      throw consoleErrors.invalid((err as Error).message);
    }
    await store.updateOperator(me.name, { passwordHash: await hashPassword(next) });
    await store.deleteSessionsOf(me.name);
    await cc.audit(request, 'password.change', { target: me.name });
    return reply.send({});
  });

  app.get(`${API}/operators`, { preHandler: cc.sessions.guard('admin') }, async (_request, reply) => {
    return reply.send({ operators: (await store.operators()).map(operatorJson) });
  });

  app.post(`${API}/operators`, { preHandler: cc.sessions.guard('admin') }, async (request, reply) => {
    const body = bodyOf(request);
    try {
      const input = { name: text(body, 'name', { max: 64 })!, password: text(body, 'password', { max: 1024 })!, role: parseRole(body.role), apps: appList(body.apps) };
      const created = await createOperator(store, input);
      if (!created) throw consoleErrors.conflict(`an operator named ${input.name} exists`);
      await cc.audit(request, 'operator.create', { target: created.name, detail: { role: created.role, apps: created.apps } });
      return reply.send(operatorJson(created));
    } catch (err) {
      if (err instanceof OperatorInputError) throw consoleErrors.invalid(err.message);
      throw err;
    }
  });

  app.put(`${API}/operators/:name`, { preHandler: cc.sessions.guard('admin') }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const body = bodyOf(request);
    let role;
    try {
      role = body.role === undefined ? undefined : parseRole(body.role);
    } catch (err) {
      throw consoleErrors.invalid((err as Error).message);
    }
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean') throw consoleErrors.invalid('disabled: true or false');
    if (name === userOf(request).operator.name && (body.disabled === true || (role !== undefined && role !== 'admin'))) {
      throw consoleErrors.conflict('an admin cannot disable or demote themselves');
    }
    const patch = {
      ...(role !== undefined ? { role } : {}),
      ...(body.apps !== undefined ? { apps: appList(body.apps) } : {}),
      ...(body.disabled !== undefined ? { disabledAt: body.disabled ? Date.now() : null } : {}),
    };
    if (!(await store.updateOperator(name, patch))) throw consoleErrors.notFound(`operator ${name}`);
    if (body.disabled === true) await store.deleteSessionsOf(name);
    await cc.audit(request, 'operator.update', { target: name, detail: body });
    return reply.send(operatorJson((await store.operator(name))!));
  });

  /** Admins see every entry; others see their own and those of their apps. */
  app.get(`${API}/audit`, { preHandler: cc.sessions.guard('viewer') }, async (request, reply) => {
    const q = query(request);
    const limit = limitOf(q.limit, 50, 500);
    const before = q.before === undefined || q.before === '' ? undefined : Number(q.before);
    if (before !== undefined && !Number.isSafeInteger(before)) throw consoleErrors.invalid('before: an entry id');
    const filter = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string).slice(0, 100) : undefined);
    const me = userOf(request).operator;
    let operator = filter('operator');
    const appKey = filter('app');
    if (me.role !== 'admin') {
      if (appKey !== undefined && me.apps !== null && !me.apps.includes(appKey)) throw consoleErrors.forbidden(`app ${appKey}`);
      // without an app of their own to filter by, non-admins see their own actions
      if (appKey === undefined && me.apps !== null) operator = me.name;
    }
    const entries = await store.auditPage({ operator, appKey, action: filter('action'), before, limit });
    return reply.send({
      entries: entries.map((e) => ({ id: e.id, at: e.at, operator: e.operator, action: e.action, app_key: e.appKey, target: e.target, detail: e.detail, ip: e.ip })),
      next: entries.length === limit ? entries[entries.length - 1]!.id : null,
    });
  });
}
