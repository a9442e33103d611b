/**
 * Borealis device SDK: registers a device, keeps its WebSocket session to the gateway and
 * turns the protocol's frames into typed events. Runs wherever WebSocket and fetch exist
 * (browsers, Deno, Bun); for Node, import the `node` entry, which brings a WebSocket.
 */
export { BorealisClient, type ClientEvents, type ClientOptions } from './client.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { SeenIds } from './seen.js';
export { emptyState, normalizeState, type ClientState } from './state.js';
export {
  BorealisError,
  type CustomMessage,
  type DeviceTags,
  type FetchLike,
  type Notification,
  type Platform,
  type Push,
  type VendorTokens,
  type WebPushSubscription,
  type WebSocketConstructor,
  type WebSocketLike,
} from './types.js';
