import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createApp } from '../../src/apps/app-directory.js';
import type { Credentials } from '../../src/apps/credentials.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config.js';
import { startNode, type NodeOptions, type RunningNode } from '../../src/node.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/**
 * The store test servers run on: `BOREALIS_TEST_STORE=postgres` gives each server a database
 * of its own on the local PostgreSQL (dropped when the server closes); anything else, SQLite.
 */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.BOREALIS_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * `BOREALIS_TEST_BUS_URL=nats://...` joins every test server to that NATS server, each on a
 * subject prefix of its own (so parallel tests never hear each other); unset, the local bus.
 */
export const TEST_BUS_URL = process.env.BOREALIS_TEST_BUS_URL ?? '';

export interface TestDevice {
  appKey: string;
  registrationId: string;
  deviceSecret: string;
  platform: string;
}

export interface DeviceSpec {
  platform?: string;
  tags?: string[];
  alias?: string;
}

/**
 * Devices every test app starts with, so pushes have someone to target: an Android device
 * (alias "someone", tags a and b) and an iOS device (alias "x").
 */
export const DEFAULT_DEVICES: DeviceSpec[] = [
  { platform: 'android', alias: 'someone', tags: ['a', 'b'] },
  { platform: 'ios', alias: 'x' },
];

export interface TestServer {
  node: RunningNode;
  url: string;
  config: Config;
  dataDir: string;
  /** The app created for the test. */
  app: Credentials;
  /** The app's default devices (DEFAULT_DEVICES, in order). */
  devices: TestDevice[];
  /** Creates another app, with its own default devices. */
  createApp(name?: string): Promise<Credentials>;
  /** Registers a device, then sets its tags and alias. */
  registerDevice(app: Credentials, spec?: DeviceSpec): Promise<TestDevice>;
  /** Stops the node and starts a new one on the same data directory and port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export type ConfigPatch = Partial<Omit<Config, 'limits' | 'store' | 'delivery' | 'gateway' | 'http' | 'schedules' | 'files'>> & {
  schedules?: Partial<Config['schedules']>;
  files?: Partial<Config['files']>;
  limits?: Partial<Config['limits']>;
  http?: Partial<Config['http']>;
  store?: Partial<Config['store']>;
  delivery?: Partial<Config['delivery']>;
  gateway?: Partial<Config['gateway']>;
};

/** A real node on a real store (see TEST_STORE) in a fresh directory, listening on a free loopback port. */
export async function startTestServer(patch: ConfigPatch = {}, options: NodeOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'borealis-test-'));
  const config: Config = {
    ...DEFAULT_CONFIG,
    ...patch,
    port: 0,
    dataDir,
    // TEST_LOG_LEVEL=warn shows a test node's log while looking into a failure
    logLevel: (process.env.TEST_LOG_LEVEL ?? 'silent') as Config['logLevel'],
    limits: { ...DEFAULT_CONFIG.limits, ...patch.limits },
    http: { ...DEFAULT_CONFIG.http, ...patch.http },
    store: { ...DEFAULT_CONFIG.store, synchronous: 'normal', ...patch.store },
    delivery: { ...DEFAULT_CONFIG.delivery, ...patch.delivery },
    gateway: { ...DEFAULT_CONFIG.gateway, ...patch.gateway },
    schedules: { ...DEFAULT_CONFIG.schedules, ...patch.schedules },
    files: { ...DEFAULT_CONFIG.files, ...patch.files },
  };
  if (TEST_BUS_URL !== '' && patch.bus === undefined && options.bus === undefined) config.bus = { url: TEST_BUS_URL, subjectPrefix: `test_${randomBytes(6).toString('hex')}` };
  let database: TestDatabase | undefined;
  if (TEST_STORE === 'postgres' && patch.store?.url === undefined) {
    database = await createTestDatabase();
    config.store.url = database.url;
    // CLI commands the test runs (child processes inherit the environment) reach this database
    process.env.BOREALIS_STORE_URL = database.url;
  }
  let node: RunningNode;
  try {
    node = await startNode(config, undefined, options);
  } catch (err) {
    await database?.drop();
    throw err;
  }
  const app = await createApp(node.ctx.store, 'test');
  const server: TestServer = {
    node,
    url: node.url,
    config,
    dataDir,
    app,
    devices: [],
    async createApp(name = 'other') {
      const creds = await createApp(server.node.ctx.store, name);
      for (const spec of DEFAULT_DEVICES) await server.registerDevice(creds, spec);
      return creds;
    },
    async registerDevice(owner, spec = {}) {
      const platform = spec.platform ?? 'android';
      // Directly through the registry: also works when the server speaks TLS with a test certificate.
      const creds = await server.node.ctx.registry.register(owner.appKey, { platform });
      const body = { registration_id: creds.registrationId, device_secret: creds.deviceSecret };
      const registry = server.node.ctx.registry;
      const device = await registry.get(owner.appKey, body.registration_id);
      if (!device) throw new Error('registered device not found');
      if (spec.tags) await registry.changeTags(device, spec.tags, []);
      if (spec.alias) await registry.setAlias(device, spec.alias);
      return { appKey: owner.appKey, registrationId: body.registration_id, deviceSecret: body.device_secret, platform };
    },
    async restart() {
      const port = Number(new URL(server.url).port);
      await server.node.stop();
      // let clients see their pooled keep-alive sockets close before the next request
      await new Promise((r) => setTimeout(r, 50));
      node = await startNode({ ...config, port }, undefined, options);
      server.node = node;
    },
    async close() {
      await server.node.stop();
      // let the ack flush and sockets settle before the directory goes
      await new Promise((r) => setTimeout(r, 20));
      rmSync(dataDir, { recursive: true, force: true });
      if (database && process.env.BOREALIS_STORE_URL === database.url) delete process.env.BOREALIS_STORE_URL;
      await database?.drop();
    },
  };
  for (const spec of DEFAULT_DEVICES) server.devices.push(await server.registerDevice(app, spec));
  return server;
}

/**
 * Everything the test server's store holds, as bytes to search (tests that check no secret is
 * stored readable): the SQLite file and its write-ahead log, or every value of every table of
 * the PostgreSQL database (BYTEA columns as their raw bytes).
 */
export async function storedBytes(server: TestServer): Promise<Buffer> {
  if (!server.config.store.url) {
    const path = resolve(server.dataDir, server.config.store.sqlitePath);
    return Buffer.concat([path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
  }
  const client = new pg.Client({ connectionString: server.config.store.url });
  await client.connect();
  try {
    const parts: Buffer[] = [];
    const tables = await client.query<{ name: string }>(`SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public'`);
    for (const { name } of tables.rows) {
      const { rows } = await client.query<Record<string, unknown>>(`SELECT * FROM ${name}`);
      for (const row of rows) for (const v of Object.values(row)) parts.push(Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
    }
    return Buffer.concat(parts);
  } finally {
    await client.end();
  }
}

/**
 * Runs `sql` (portable SQL, `?` placeholders) on the test server's database, the SQLite file
 * or the PostgreSQL database, whichever the server uses; returns the rows as arrays.
 */
export async function storeQuery(server: TestServer, sql: string, ...params: unknown[]): Promise<unknown[][]> {
  if (!server.config.store.url) {
    const db = new Database(resolve(server.dataDir, server.config.store.sqlitePath));
    try {
      const statement = db.prepare(sql);
      if (!statement.reader) {
        statement.run(...params);
        return [];
      }
      return statement.raw().all(...params) as unknown[][];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: server.config.store.url });
  await client.connect();
  try {
    let n = 0;
    const { rows } = await client.query({ text: sql.replace(/\?/g, () => `$${++n}`), values: params, rowMode: 'array' });
    return rows as unknown[][];
  } finally {
    await client.end();
  }
}

/** The first column of the first row of `sql` as a number (see `storeQuery`). */
export async function storeNumber(server: TestServer, sql: string, ...params: unknown[]): Promise<number> {
  return Number((await storeQuery(server, sql, ...params))[0]?.[0]);
}

export function basic(creds: Credentials): string {
  return 'Basic ' + Buffer.from(`${creds.appKey}:${creds.masterSecret}`).toString('base64');
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** fetch with JSON in and out; the body is the raw string when not JSON. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; auth?: Credentials | string | null; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth === undefined ? server.app : options.auth;
  if (auth !== null) headers.authorization = typeof auth === 'string' ? auth : basic(auth);
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(server.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function errorCode(res: JsonResponse): number | undefined {
  const b = res.body as { error?: { code?: number } };
  return b?.error?.code;
}
