import { BorealisClient, type Push } from '../../sdk/src/node.js';
import type { Credentials } from '../../src/apps/credentials.js';
import type { TestServer } from './server.js';

/** A real SDK client with everything it emits recorded, for end-to-end tests. */
export interface TestClient {
  client: BorealisClient;
  pushes: Push[];
  withdrawn: string[];
  replaced: { overridden: string; push: Push }[];
  registrationId: string;
  /** Resolves once `count` pushes arrived (or rejects after `ms`). */
  waitForPushes(count: number, ms?: number): Promise<Push[]>;
  waitForWithdraw(msgId: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export interface ClientSpec {
  platform?: 'android' | 'ios' | 'hmos' | 'quickapp' | 'web';
  tags?: string[];
  alias?: string;
  /** Connect right away (default true). */
  connect?: boolean;
}

async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function startClient(server: TestServer, app: Credentials, spec: ClientSpec = {}): Promise<TestClient> {
  const client = new BorealisClient({
    server: server.url,
    appKey: app.appKey,
    platform: spec.platform ?? 'android',
    reconnect: { minDelayMs: 20, maxDelayMs: 200 },
  });
  const t: TestClient = {
    client,
    pushes: [],
    withdrawn: [],
    replaced: [],
    registrationId: '',
    async waitForPushes(count, ms = 3000) {
      await until(() => t.pushes.length >= count, ms, () => `${count} pushes, have ${t.pushes.length}`);
      return t.pushes;
    },
    async waitForWithdraw(msgId, ms = 3000) {
      await until(() => t.withdrawn.includes(msgId), ms, () => `withdraw of ${msgId}`);
    },
    close: () => client.close(),
  };
  client.on('push', (p) => t.pushes.push(p));
  client.on('withdraw', (id) => t.withdrawn.push(id));
  client.on('replace', (overridden, push) => t.replaced.push({ overridden, push }));
  client.on('error', () => {});
  t.registrationId = await client.register();
  if (spec.connect !== false || spec.tags || spec.alias) {
    await client.connect();
    if (spec.tags) await client.setTags({ add: spec.tags });
    if (spec.alias) await client.setAlias(spec.alias);
    if (spec.connect === false) await client.close();
  }
  return t;
}

/** Waits long enough for a push that should NOT arrive to have had its chance. */
export function settle(ms = 150): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Connects with a device's credentials over a bare WebSocket (no SDK, so no duplicate
 * filtering) and returns the frames the server sends within `ms` after `ready`.
 */
export async function rawFrames(
  server: TestServer,
  creds: { registrationId: string; deviceSecret: string },
  ms = 200,
): Promise<Record<string, unknown>[]> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/v1/gateway');
  const frames: Record<string, unknown>[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () =>
      ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: creds.registrationId, device_secret: creds.deviceSecret })),
    );
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.t === 'ready') setTimeout(resolve, ms);
      else frames.push(frame);
    });
    ws.on('error', reject);
    ws.on('close', () => resolve());
  });
  ws.close();
  return frames;
}
