import { mapBounded } from '../channels/vendor-http.js';
import { AccessTokenCache, type IssuedToken, type IssuesAccessTokens } from './access-tokens.js';
import { isObject, type Obj } from './message-checks.js';
import { groupByParams } from './recipient-params.js';
import type { MessagingChannel, MessagingChannelId, MessagingCredentials, MessagingRecipient, MessagingResult } from './types.js';

/** Where one credential's access token comes from: its cache key and the request that issues it. */
export interface TokenSource {
  key: string;
  issue: () => Promise<IssuedToken>;
}

/** What differs between the access-token channels (WeChat OA / mini program, DingTalk, WeCom). */
export interface TokenChannelSpec<C> {
  id: MessagingChannelId;
  maxBatch: number;
  validate(message: Obj): string | undefined;
  /** The credentials, or why they are unusable. */
  parseCredentials(raw: MessagingCredentials | Obj): C | string;
  tokenSource(cred: C): TokenSource;
  /** Sends a validated message with usable credentials; a result per recipient, in order. */
  send(message: Obj, recipients: readonly MessagingRecipient[], cred: C, tokens: AccessTokenCache): Promise<MessagingResult[]>;
}

/**
 * A messaging channel around a spec: credentials and the message are checked before anything
 * is sent (refusals that no retry fixes), tokens are cached per credential and handed out for
 * `GET /v1/token`.
 */
export function tokenChannel<C>(spec: TokenChannelSpec<C>): MessagingChannel & IssuesAccessTokens & { readonly tokens: AccessTokenCache } {
  const tokens = new AccessTokenCache();
  return {
    tokens,
    id: spec.id,
    maxBatch: spec.maxBatch,
    validate: spec.validate,
    checkCredentials(raw) {
      const cred = spec.parseCredentials(raw);
      return typeof cred === 'string' ? cred : undefined;
    },
    async send(message, recipients, credentials) {
      const cred = spec.parseCredentials(credentials);
      if (typeof cred === 'string') return recipients.map(() => ({ kind: 'failed', reason: `credentials: ${cred}`, retry: false }));
      const invalid = isObject(message) ? spec.validate(message) : 'not an object';
      if (invalid) return recipients.map(() => ({ kind: 'failed', reason: `message: ${invalid}`, retry: false }));
      return spec.send(message, recipients, cred, tokens);
    },
    async accessToken(raw) {
      const cred = spec.parseCredentials(raw);
      if (typeof cred === 'string') throw new Error(`credentials: ${cred}`);
      const source = spec.tokenSource(cred);
      return tokens.getWithExpiry(source.key, source.issue);
    },
    async close() {
      tokens.clear();
    },
  };
}

/** Which request kind an address goes in (DingTalk: one; WeCom: own and linked-corp members), or why it is invalid. */
export type Lane<L extends string> = { lane: L } | { invalid: string };

/**
 * The batching DingTalk and WeCom share: recipients grouped by their template variables, each
 * address put in its lane (or answered invalid), lanes cut into requests of `perRequest`
 * addresses, `concurrency` requests at once. `request` answers a result per address, in order.
 */
export async function sendBatched<L extends string>(
  recipients: readonly MessagingRecipient[],
  o: { perRequest: number; concurrency: number; laneOf(address: string): Lane<L> },
  request: (params: Readonly<Record<string, string>> | undefined, lane: L, addresses: string[]) => Promise<MessagingResult[]>,
): Promise<MessagingResult[]> {
  const results = new Array<MessagingResult>(recipients.length);
  const requests: { params: Readonly<Record<string, string>> | undefined; lane: L; indexes: number[] }[] = [];
  for (const group of groupByParams(recipients)) {
    const lanes = new Map<L, number[]>();
    for (const i of group.indexes) {
      const where = o.laneOf(recipients[i]!.address);
      if ('invalid' in where) results[i] = { kind: 'invalidTarget', reason: where.invalid };
      else {
        let list = lanes.get(where.lane);
        if (!list) lanes.set(where.lane, (list = []));
        list.push(i);
      }
    }
    for (const [lane, indexes] of lanes) {
      for (let k = 0; k < indexes.length; k += o.perRequest) requests.push({ params: group.params, lane, indexes: indexes.slice(k, k + o.perRequest) });
    }
  }
  await mapBounded(requests, o.concurrency, async (req) => {
    const answers = await request(req.params, req.lane, req.indexes.map((i) => recipients[i]!.address));
    req.indexes.forEach((i, k) => (results[i] = answers[k]!));
  });
  return results;
}
