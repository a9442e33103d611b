import type { KeyObject } from 'node:crypto';
import { ACCESS_KEY_ID_PATTERN, accessKeySecret } from '../../apps/access-keys.js';
import type { ServerContext } from '../../context.js';
import type { AccessKeyRecord, AppRecord, NonceClaim } from '../../store/types.js';
import { emas } from './errors.js';
import { NONCE_CAPACITY, NonceCache } from './nonce-cache.js';
import { parseUtcTime } from './params.js';
import { signatureMatches, sign, signingKey, stringToSign, stringToSignOfCanonical, stringToSignOfPairs } from './signature.js';

/** How far a request's Timestamp may be from the server's clock (POP's window). */
export const TIMESTAMP_WINDOW_MS = 15 * 60_000;
const MAX_NONCE_LENGTH = 128;
/** A request can be replayed only while its Timestamp is in the window, either side of now. */
const NONCE_LIFETIME_MS = 2 * TIMESTAMP_WINDOW_MS;

/** The caller of an authenticated request: its app and the app's numeric EMAS AppKey. */
export interface EmasCaller {
  app: AppRecord;
  accessKeyId: string;
  emasAppKey: number;
  /** The request's SignatureNonce, checked against what this node knows, not yet used up in the store (see NonceTicket). */
  nonce: NonceClaim;
}

interface KeyEntry {
  key: AccessKeyRecord | undefined;
  emasAppKey: number | undefined;
  hmacKey: KeyObject | undefined;
  at: number;
}

/**
 * AccessKeys and apps as the request path sees them: cached for two seconds, so disabling a
 * key with the CLI on the same database takes effect on a running server within that time.
 */
class KeyDirectory {
  private readonly cache = new Map<string, KeyEntry>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly ttlMs = 2000,
  ) {}

  /** The key's entry; synchronously while it is cached (nearly every request), so the request path pays no promise for it. */
  get(accessKeyId: string): KeyEntry | Promise<KeyEntry> {
    const hit = this.cache.get(accessKeyId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit;
    return this.load(accessKeyId);
  }

  private async load(accessKeyId: string): Promise<KeyEntry> {
    const key = await this.ctx.store.emas.accessKey(accessKeyId);
    const emasAppKey = key ? await this.ctx.store.emas.emasAppKey(key.appKey, false) : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    // a secret that does not open (the credentials key changed, or a row tampered with) leaves the key unusable
    let hmacKey: KeyObject | undefined;
    try {
      hmacKey = key && signingKey(accessKeySecret(this.ctx.credentials, key));
    } catch {
      hmacKey = undefined;
    }
    const entry = { key, emasAppKey, hmacKey, at: Date.now() };
    this.cache.set(accessKeyId, entry);
    return entry;
  }
}

const NO_KEY: KeyEntry = { key: undefined, emasAppKey: undefined, hmacKey: undefined, at: 0 };

/** A request's common parameters, read and checked, on their way to the signature check. */
interface SignedRequest {
  method: string;
  params: ReadonlyMap<string, string>;
  form: { signed: ReadonlyMap<string, string>; canonical?: string } | undefined;
  accessKeyId: string;
  signature: string;
  nonce: string;
  now: number;
}

/** Checks the common parameters, the Timestamp window, the signature and the nonce, in POP's order. */
export class EmasAuthenticator {
  private readonly keys: KeyDirectory;
  private readonly nonces = new NonceCache(NONCE_LIFETIME_MS);
  private nextPruneAt = 0;

  constructor(private readonly ctx: ServerContext) {
    this.keys = new KeyDirectory(ctx);
  }

  /**
   * `form`, when the request reader made it, saves encoding every parameter again: its
   * canonical query as sent, else its encoded pairs. Answers synchronously when the AccessKey
   * and its app are cached (nearly every request); it throws the EMAS error of a refused one.
   */
  authenticate(
    method: string,
    params: ReadonlyMap<string, string>,
    form?: { signed: ReadonlyMap<string, string>; canonical?: string },
    now = Date.now(),
  ): EmasCaller | Promise<EmasCaller> {
    const need = (name: string): string => {
      const v = params.get(name);
      if (v === undefined || v === '') throw emas.missing(name);
      return v;
    };
    const accessKeyId = need('AccessKeyId');
    const signature = need('Signature');
    if (need('SignatureMethod') !== 'HMAC-SHA1') throw emas.signatureMethod();
    if (need('SignatureVersion') !== '1.0') throw emas.signatureVersion();
    const nonce = need('SignatureNonce');
    if (nonce.length > MAX_NONCE_LENGTH) throw emas.parameter(`SignatureNonce longer than ${MAX_NONCE_LENGTH} characters`);
    const ts = parseUtcTime(need('Timestamp'));
    if (ts === undefined) throw emas.timestampFormat();
    if (Math.abs(now - ts) > TIMESTAMP_WINDOW_MS) throw emas.timestampExpired();

    const request: SignedRequest = { method, params, form, accessKeyId, signature, nonce, now };
    const entry = ACCESS_KEY_ID_PATTERN.test(accessKeyId) ? this.keys.get(accessKeyId) : NO_KEY;
    return entry instanceof Promise ? entry.then((e) => this.verify(e, request)) : this.verify(entry, request);
  }

  /** The signature and the nonce of a request whose common parameters are well-formed, then its app. */
  private verify(entry: KeyEntry, r: SignedRequest): EmasCaller | Promise<EmasCaller> {
    const { key, emasAppKey, hmacKey } = entry;
    if (!key || !hmacKey) throw emas.accessKeyNotFound();
    if (key.disabledAt !== null) throw emas.accessKeyInactive();
    const { method, params, form, accessKeyId, nonce, now } = r;

    let text: string;
    try {
      text = form === undefined
        ? stringToSign(method, params)
        : form.canonical !== undefined
          ? stringToSignOfCanonical(method, form.canonical)
          : stringToSignOfPairs(method, form.signed);
    } catch {
      // a value that is not well-formed Unicode cannot have been signed as POP signs
      throw emas.signatureMismatch('');
    }
    if (!signatureMatches(r.signature, sign(hmacKey, text))) throw emas.signatureMismatch(text);
    // Only a correctly signed request uses up its nonce: nobody else can burn a caller's nonces.
    // This node's memory answers its own replays (the store's, when it keeps them: SQLite's
    // log holds every live nonce of the file anyway); the store, when the nonce is used up
    // (`useNonce`, or a push's commit), answers replays sent to other nodes.
    const memory = this.ctx.store.emas.nonceMemory;
    if (memory) {
      if (memory.holds(accessKeyId, nonce, now)) throw emas.nonceUsed();
      if (memory.count() >= NONCE_CAPACITY) throw emas.throttled();
    } else {
      const claim = this.nonces.claim(accessKeyId, nonce, now);
      if (claim === 'used') throw emas.nonceUsed();
      if (claim === 'full') throw emas.throttled();
    }
    this.pruneNonces(now);

    const caller = (app: AppRecord | undefined): EmasCaller => {
      if (!app || emasAppKey === undefined) throw emas.accessKeyNotFound();
      return { app, accessKeyId, emasAppKey, nonce: { accessKeyId, nonce, now, expiresAt: now + NONCE_LIFETIME_MS } };
    };
    const app = this.ctx.apps.lookup(key.appKey);
    return app instanceof Promise ? app.then(caller) : caller(app);
  }

  /** Whether the store can use up a nonce in a push's own commit (then Push requests let it). */
  get noncesRide(): boolean {
    return this.ctx.store.emas.nonceMemory !== undefined;
  }

  /** Uses up a request's nonce in the store; SignatureNonceUsed when another request (on any node) did. */
  async useNonce(c: NonceClaim): Promise<void> {
    if (!(await this.ctx.store.emas.claimNonce(c.accessKeyId, c.nonce, c.now, c.expiresAt))) throw emas.nonceUsed();
  }

  /** Deletes expired nonces from the store, at most once a minute per node, in the background. */
  private pruneNonces(now: number): void {
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + 60_000;
    this.ctx.store.emas.pruneNonces(now).catch((err: unknown) => this.ctx.logger.warn({ err }, 'deleting expired EMAS nonces failed'));
  }

  /** The app's request allowance, shared with its JPush requests. */
  admit(caller: EmasCaller): void {
    const limits = this.ctx.config.limits;
    const decision = this.ctx.rateLimiter.hit(
      caller.app.appKey,
      caller.app.rateLimit ?? limits.requestsPerWindow,
      caller.app.rateWindow ?? limits.windowSeconds,
    );
    if (!decision.allowed) throw emas.throttled();
  }
}
