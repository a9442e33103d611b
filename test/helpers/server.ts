import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/apps/app-directory.js';
import type { Credentials } from '../../src/apps/credentials.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config.js';
import { startNode, type RunningNode } from '../../src/node.js';

export interface TestServer {
  node: RunningNode;
  url: string;
  config: Config;
  dataDir: string;
  /** The app created for the test. */
  app: Credentials;
  createApp(name?: string): Promise<Credentials>;
  /** Stops the node and starts a new one on the same data directory and port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export type ConfigPatch = Partial<Omit<Config, 'limits' | 'store'>> & {
  limits?: Partial<Config['limits']>;
  store?: Partial<Config['store']>;
};

/** A real node on a real SQLite file in a fresh directory, listening on a free loopback port. */
export async function startTestServer(patch: ConfigPatch = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'borealis-test-'));
  const config: Config = {
    ...DEFAULT_CONFIG,
    ...patch,
    port: 0,
    dataDir,
    logLevel: 'silent',
    limits: { ...DEFAULT_CONFIG.limits, ...patch.limits },
    store: { ...DEFAULT_CONFIG.store, synchronous: 'normal', ...patch.store },
  };
  let node = await startNode(config);
  const app = await createApp(node.ctx.store, 'test');
  const server: TestServer = {
    node,
    url: node.url,
    config,
    dataDir,
    app,
    createApp: (name = 'other') => createApp(server.node.ctx.store, name),
    async restart() {
      const port = Number(new URL(server.url).port);
      await server.node.stop();
      // let clients see their pooled keep-alive sockets close before the next request
      await new Promise((r) => setTimeout(r, 50));
      node = await startNode({ ...config, port });
      server.node = node;
    },
    async close() {
      await server.node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
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
