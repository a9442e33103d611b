/**
 * The SDK for Node: the same client with the `ws` package as its WebSocket (Node 20 has no
 * global one), and helpers that keep the client's state in a JSON file.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { WebSocket as NodeWebSocket } from 'ws';
import { BorealisClient as CoreClient, type ClientOptions } from './client.js';
import { normalizeState, type ClientState } from './state.js';
import type { WebSocketConstructor } from './types.js';

export * from './index.js';

/** ws implements the browser WebSocket interface the client uses. */
export const WebSocket = NodeWebSocket as unknown as WebSocketConstructor;

export type NodeClientOptions = Omit<ClientOptions, 'WebSocket'> & { WebSocket?: WebSocketConstructor };

export class BorealisClient extends CoreClient {
  constructor(options: NodeClientOptions) {
    super({ ...options, WebSocket: options.WebSocket ?? WebSocket });
  }
}

/** Reads a state file; undefined when there is none yet. */
export function loadState(path: string): ClientState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return normalizeState(JSON.parse(text));
}

/** Writes a JSON file atomically (a crash leaves the old file or the new one, never half of one). */
export function writeJsonFile(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

export function saveState(path: string, state: ClientState): void {
  writeJsonFile(path, state);
}

/**
 * Options that load the client's state from a file and save every change back:
 * `new BorealisClient({ server, appKey, platform, ...fileState('device.json') })`.
 */
export function fileState(path: string): Pick<ClientOptions, 'state' | 'onStateChange'> {
  return { state: loadState(path), onStateChange: (state) => saveState(path, state) };
}
