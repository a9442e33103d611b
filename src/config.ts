import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Server configuration. Sources, later ones winning: built-in defaults, the JSON config file
 * (`--config FILE`), environment variables (BOREALIS_*), command-line flags.
 * Every key is documented in docs/configuration.md.
 */
/** Vendor channels whose daily quotas can be capped in the configuration. */
export const QUOTA_CHANNELS = ['huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'hmos', 'fcm'] as const;
export type QuotaChannel = (typeof QUOTA_CHANNELS)[number];

export interface Config {
  host: string;
  port: number;
  /**
   * Connections the kernel may queue before the server accepts them (the kernel caps it at
   * its own limit, net.core.somaxconn). Devices reconnecting all at once after a restart
   * overflow a short queue; their connects are then retried after seconds.
   */
  listenBacklog: number;
  dataDir: string;
  /** Node number 0..15, unique per node in a cluster; part of every msg_id. */
  nodeId: number;
  /**
   * What this node runs: `all` (the default), `api` (the HTTP APIs, no device connections, no
   * background work), `gateway` (device connections too), `worker` (vendor relays, callbacks,
   * schedules, SMS, retention; no device connections).
   */
  role: NodeRole;
  bus: {
    /** Empty: this node alone. `nats://host:port[,nats://...]`: nodes of a cluster talk over NATS. */
    url: string;
    /** Subject prefix on the bus, so several clusters can share one NATS. */
    subjectPrefix: string;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Serve HTTPS with HTTP/2 (HTTP/1.1 still accepted) when both are set: PEM file paths. */
  tls: { cert: string; key: string } | null;
  store: {
    /**
     * PostgreSQL connection URL (postgres://user:password@host:port/database) for nodes that
     * share one database; empty = the embedded SQLite file below.
     */
    url: string;
    /** Connections each node keeps open to PostgreSQL at most. */
    poolSize: number;
    /** SQLite file; relative paths are inside dataDir. */
    sqlitePath: string;
    synchronous: 'full' | 'normal';
  };
  limits: {
    /** Largest request body accepted, in bytes (1005 / HTTP 413 beyond). */
    bodyBytes: number;
    /** Default per-app request allowance per window (2002 / HTTP 429 beyond); 0 = unlimited. */
    requestsPerWindow: number;
    windowSeconds: number;
    /** Default per-app broadcasts per UTC day (2008 beyond); 0 = unlimited. */
    broadcastsPerDay: number;
    /** Device registrations per app per rate window (2002 beyond); 0 = unlimited. */
    registrationsPerWindow: number;
    /**
     * Device registrations per source address per rate window (2002 beyond); 0 = unlimited.
     * IPv6 addresses count per /64, the block one host usually has.
     */
    registrationsPerAddress: number;
    /** Devices one alias may be bound to (7015 beyond; JPush allows 10); 0 = unlimited. */
    devicesPerAlias: number;
  };
  /** Time limits on HTTP connections (plain HTTP/1.1; with TLS the idle limit applies). */
  http: {
    /** A client must send its complete request headers within this time (HTTP 408 after). */
    headersTimeoutMs: number;
    /** A client must send its complete request, headers and body, within this time (408 after). */
    requestTimeoutMs: number;
    /** A connection on which nothing moves for this long is closed. */
    idleTimeoutMs: number;
    /** A kept-alive connection waiting for its next request is closed after this long. */
    keepAliveTimeoutMs: number;
  };
  delivery: {
    /**
     * Pushes with a time to live and at most this many targets wait in per-device inboxes in
     * the store; wider ones (broadcasts, big tags) stay in memory and are found by bitmap
     * membership when a device connects.
     */
    narrowTargets: number;
    /** How long an inboxed push stays in memory after it was sent to connected devices. */
    residentSeconds: number;
    /**
     * Milliseconds one minute of `big_push_duration` lasts: 60000. Only tests and demos want
     * anything else (a paced push of 2 minutes then runs 2 x this).
     */
    pacingMinuteMs: number;
  };
  gateway: {
    /** Seconds between device pings; silent for 2.5 of them and the connection is closed. */
    heartbeatSeconds: number;
    /** Largest frame a device may send, in bytes. */
    maxFrameBytes: number;
    /** Sustained frames per second a device may send, and the burst allowed. */
    framesPerSecond: number;
    frameBurst: number;
    /** Unsent bytes a connection may hold before it is closed as a slow consumer. */
    maxBufferedBytes: number;
  };
  sms: {
    /** Gateway used by `borealis app sms` when no --endpoint is given (the JSMS API). */
    endpoint: string;
    /** How often SMS supplement jobs that came due are looked for, in ms. */
    pollMs: number;
    /** An SMS gateway must answer within this many ms. */
    timeoutMs: number;
    /** SMS requests in flight at once. */
    concurrency: number;
  };
  /** Unified messaging (UMS v1 API): its jobs, channels and callbacks (see docs/ums.md). */
  ums: {
    /** How often due message steps are looked for, in ms. */
    pollMs: number;
    /** Milliseconds one second of a send policy's delay lasts (1000 but in tests). */
    secondMs: number;
    /** Broadcasts (`/v1/broadcast`) one UMS channel may send per UTC day; 0: no limit. */
    broadcastsPerDay: number;
    /** Requests one UMS channel may make per minute; 0: no limit (over it: 1015030). */
    requestsPerMinute: number;
    /** A messaging gateway (SMS, SMTP, IM API) must answer within this many ms. */
    timeoutMs: number;
    /** Messaging requests in flight at once for one step. */
    concurrency: number;
    /** Connections kept open to one SMTP server. */
    smtpConnections: number;
    /** Callback records wait at most this long to fill a batch, in ms (the reference: 10 s). */
    callbackIntervalMs: number;
    /** Most records in one callback POST (the reference: 100). */
    callbackBatch: number;
    /** Delay before a failed callback POST is tried again, in ms (the reference: 50 s). */
    callbackRetryMs: number;
    /** Retries of a failed callback POST before its records are dropped (the reference: 3). */
    callbackRetries: number;
    /** Largest material upload (`POST /v1/material`), in bytes. */
    materialBytes: number;
  };
  /** How long old rows are kept (see docs/configuration.md, "Retention"). */
  retention: {
    /** Pushes, their receipts and inbox entries: kept this long after their time to live ended. */
    pushSeconds: number;
    /** cids: kept this long after they were issued, and used if they were. */
    cidSeconds: number;
    /** Callback batches still queued this long after they were queued (the sender gives up sooner). */
    callbackSeconds: number;
    /** Seconds between two retention sweeps. */
    intervalSeconds: number;
    /** Rows of each kind deleted per transaction. */
    batchRows: number;
  };
  callbacks: {
    /** A receipt receiver must answer within this many ms, else the attempt failed. */
    timeoutMs: number;
    /** First retry delay in ms after a failed attempt; doubled each failure (with jitter). */
    retryBaseMs: number;
    /** Longest retry delay, in ms. */
    retryMaxMs: number;
    /** A batch still undelivered this long after it was queued is dropped (logged, counted), in ms. */
    giveUpAfterMs: number;
    /** Requests in flight at once, over all receivers, and to one receiver. */
    concurrency: number;
    perReceiver: number;
    /** Most events in one POST. */
    batchEvents: number;
    /** How often the queue is checked for due batches, in ms. */
    pollMs: number;
  };
  /** Vendor channels (APNs, FCM, Web Push) and the relay queue that feeds them. */
  channels: {
    /**
     * AES-256 key (64 hex digits or base64 of 32 bytes) that encrypts app channel credentials
     * at rest. Empty: BOREALIS_CREDENTIALS_KEY, else a key generated once into the data
     * directory (credentials.key, mode 0600).
     */
    credentialsKey: string;
    /** PEM file of extra certificate authorities trusted for vendor endpoints (private relays, test fakes); empty = none. */
    caFile: string;
    apns: {
      /** Origin of the production APNs service (apns_production true). */
      endpoint: string;
      /** Origin of the sandbox APNs service (apns_production false). */
      sandboxEndpoint: string;
      /** HTTP/2 connections per app credential; each carries many streams. */
      sessions: number;
      /** Requests in flight at once per app credential. */
      concurrency: number;
      /** A request unanswered this long counts as failed (retried), in ms. */
      timeoutMs: number;
    };
    fcm: {
      /** FCM HTTP v1 origin. */
      endpoint: string;
      /** OAuth2 token endpoint; empty = the service account's token_uri. */
      tokenEndpoint: string;
      /** Time FCM has to answer one request, in ms. */
      timeoutMs: number;
    };
    /** Huawei HMS Push Kit (Android phones with HMS). */
    huawei: {
      /** Push Kit API origin. */
      endpoint: string;
      /** OAuth2 client-credentials token URL. */
      tokenEndpoint: string;
      /** Time Push Kit has to answer one request, in ms. */
      timeoutMs: number;
    };
    /** HarmonyOS Push Kit v3 (HarmonyOS NEXT / 5+ devices). */
    hmos: {
      /** Push Kit API origin. */
      endpoint: string;
      timeoutMs: number;
    };
    /** Honor push (Honor phones). */
    honor: {
      /** Honor push API origin. */
      endpoint: string;
      /** Honor IAM client-credentials token URL. */
      tokenEndpoint: string;
      timeoutMs: number;
    };
    /**
     * Public origin (and optional path prefix) at which vendors reach this server's receipt
     * endpoint `/v1/vendors/{channel}/receipts/{appKey}`; Xiaomi, OPPO, vivo and Meizu are
     * asked for receipts only when it is set.
     */
    receiptBaseUrl: string;
    /** Mi Push (Xiaomi) API origin and the time it has to answer, in ms. */
    xiaomi: { endpoint: string; timeoutMs: number };
    /** OPPO PUSH API origin (api-intl.push.oppomobile.com outside China). */
    oppo: { endpoint: string; timeoutMs: number };
    /** vivo push API origin. */
    vivo: { endpoint: string; timeoutMs: number };
    /** Flyme push (Meizu) API origin. */
    meizu: { endpoint: string; timeoutMs: number };
    webpush: {
      /** Also send to plain-http subscription endpoints (local test services only). */
      allowHttpEndpoints: boolean;
      /** Time a push service has to answer one request, in ms. */
      timeoutMs: number;
    };
    /**
     * Vendors' daily quotas (docs/channels.md#quotas): caps per vendor channel and category
     * (`system`: classification 1, `operation`: 0) for every app; 0 = none configured. Caps the
     * vendors report count too (the lower wins).
     */
    quotas: {
      /** Minutes east of UTC of the vendors' day (their quotas restart at its midnight; 480 = China). */
      dayOffsetMinutes: number;
      daily: Record<QuotaChannel, { system: number; operation: number }>;
    };
    relay: {
      /** Devices one queue slice covers: the unit that is claimed, sent and confirmed. */
      sliceDevices: number;
      /** Slices relayed at once over all channels. */
      concurrency: number;
      /** Most relay requests per second per channel (0 = unlimited). */
      ratePerSecond: number;
      /** First retry delay after a vendor asked to retry, in ms; doubled each time (with jitter). */
      retryBaseMs: number;
      retryMaxMs: number;
      /** Attempts per device before giving up (counted failed). */
      maxAttempts: number;
      /** How often the queue is checked for due work when idle, in ms. */
      pollMs: number;
      /**
       * How long a claimed slice is this node's (renewed while it works on it): a node that dies
       * holding slices delays them this long for the other nodes.
       */
      leaseMs: number;
    };
  };
  emas: {
    /**
     * The EMAS OpenAPI is always served at `/` of the HTTP port; this also serves it alone on a
     * port of its own (same host and TLS). -1 = no own port; 0 = any free port.
     */
    port: number;
  };
  schedules: {
    /** Zone the Schedule API's times are written in, minutes east of UTC (JPush: 480, UTC+8). */
    utcOffsetMinutes: number;
    /** Schedules with a trigger left per app (8100 beyond; JPush: 100). */
    maxPerApp: number;
    /** A trigger missed by at most this many seconds (server down) fires once on start; older ones are skipped. */
    catchUpSeconds: number;
    /** How often due schedules are looked for, in ms. */
    pollMs: number;
    /** Schedule API calls per app per minute (2002 beyond; JPush: 100); 0 = unlimited. */
    requestsPerMinute: number;
  };
  files: {
    /** Largest uploaded file, in bytes (JPush: 10 MB). */
    maxBytes: number;
    /** Unexpired files per app or group (JPush: 20). */
    maxFiles: number;
    /** Longest (and default) file ttl, in hours (JPush: 720). */
    maxTtlHours: number;
    /** File API calls (file pushes and file schedules included) per app or group per minute (JPush: 20); 0 = unlimited. */
    requestsPerMinute: number;
  };
  /**
   * UMS channels that reach people through a vendor's HTTP API, by channel id: the vendor's
   * origin (Alipay: its gateway URL), the time one request may take, and requests in flight
   * at once per send.
   */
  messaging: Record<'wechatoa' | 'wechatmp' | 'alipay_life' | 'dingtalk_cc' | 'wechatwk', MessagingVendorConfig>;
  cors: {
    /**
     * Browser origins allowed to call the device-facing endpoints (`/v1/...`): `"*"` for any,
     * or exact origins (`https://app.example.com`); empty = no CORS headers at all.
     */
    origins: string[];
  };
  console: {
    /** Serve the web console at /console (and its admin API at /console/api). */
    enabled: boolean;
    /** How long a console sign-in lasts without activity, in hours. */
    sessionHours: number;
    /** Failed sign-ins per address and per operator name within `loginWindowSeconds`; more wait. */
    loginAttempts: number;
    loginWindowSeconds: number;
  };
  memory: {
    /**
     * How far the JavaScript heap may grow past what the last full collection kept before the
     * next one, in percent; 0 leaves it to V8 (up to 4x under a high allocation rate).
     */
    heapGrowthPercent: number;
  };
}

export interface MessagingVendorConfig {
  endpoint: string;
  timeoutMs: number;
  concurrency: number;
}
export const NODE_ROLES = ['all', 'api', 'gateway', 'worker'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export const DEFAULT_CONFIG: Config = {
  host: '127.0.0.1',
  port: 8080,
  listenBacklog: 4096,
  dataDir: 'data',
  nodeId: 0,
  role: 'all',
  bus: { url: '', subjectPrefix: 'borealis' },
  logLevel: 'info',
  tls: null,
  store: { url: '', poolSize: 10, sqlitePath: 'borealis.db', synchronous: 'full' },
  limits: {
    bodyBytes: 1024 * 1024,
    requestsPerWindow: 6000,
    windowSeconds: 60,
    broadcastsPerDay: 10,
    registrationsPerWindow: 20_000,
    registrationsPerAddress: 1000,
    devicesPerAlias: 10,
  },
  http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 120_000, keepAliveTimeoutMs: 72_000 },
  delivery: { narrowTargets: 1000, residentSeconds: 60, pacingMinuteMs: 60_000 },
  gateway: {
    heartbeatSeconds: 30,
    maxFrameBytes: 4096,
    framesPerSecond: 20,
    frameBurst: 50,
    maxBufferedBytes: 1024 * 1024,
  },
  sms: { endpoint: 'https://api.sms.jpush.cn', pollMs: 1000, timeoutMs: 10_000, concurrency: 8 },
  ums: {
    pollMs: 200,
    secondMs: 1000,
    broadcastsPerDay: 10,
    requestsPerMinute: 0,
    timeoutMs: 10_000,
    concurrency: 16,
    smtpConnections: 5,
    callbackIntervalMs: 10_000,
    callbackBatch: 100,
    callbackRetryMs: 50_000,
    callbackRetries: 3,
    materialBytes: 10 * 1024 * 1024,
  },
  retention: {
    pushSeconds: 30 * 86_400,
    cidSeconds: 2 * 86_400,
    callbackSeconds: 7 * 86_400,
    intervalSeconds: 300,
    batchRows: 1000,
  },
  callbacks: {
    timeoutMs: 10_000,
    retryBaseMs: 1000,
    retryMaxMs: 10 * 60_000,
    giveUpAfterMs: 3 * 24 * 3600_000,
    concurrency: 16,
    perReceiver: 4,
    batchEvents: 500,
    pollMs: 500,
  },
  channels: {
    credentialsKey: '',
    caFile: '',
    apns: {
      endpoint: 'https://api.push.apple.com',
      sandboxEndpoint: 'https://api.sandbox.push.apple.com',
      sessions: 2,
      concurrency: 500,
      timeoutMs: 10_000,
    },
    fcm: { endpoint: 'https://fcm.googleapis.com', tokenEndpoint: '', timeoutMs: 10_000 },
    huawei: { endpoint: 'https://push-api.cloud.huawei.com', tokenEndpoint: 'https://oauth-login.cloud.huawei.com/oauth2/v3/token', timeoutMs: 10_000 },
    hmos: { endpoint: 'https://push-api.cloud.huawei.com', timeoutMs: 10_000 },
    honor: { endpoint: 'https://push-api.cloud.hihonor.com', tokenEndpoint: 'https://iam.developer.hihonor.com/auth/token', timeoutMs: 10_000 },
    receiptBaseUrl: '',
    xiaomi: { endpoint: 'https://api.xmpush.xiaomi.com', timeoutMs: 10_000 },
    oppo: { endpoint: 'https://api.push.oppomobile.com', timeoutMs: 10_000 },
    vivo: { endpoint: 'https://api-push.vivo.com.cn', timeoutMs: 10_000 },
    meizu: { endpoint: 'https://server-api-push.meizu.com', timeoutMs: 10_000 },
    webpush: { allowHttpEndpoints: false, timeoutMs: 10_000 },
    quotas: {
      dayOffsetMinutes: 480,
      daily: Object.fromEntries(QUOTA_CHANNELS.map((c) => [c, { system: 0, operation: 0 }])) as Record<QuotaChannel, { system: number; operation: number }>,
    },
    relay: {
      sliceDevices: 1000,
      concurrency: 4,
      ratePerSecond: 0,
      retryBaseMs: 1000,
      retryMaxMs: 5 * 60_000,
      maxAttempts: 8,
      pollMs: 250,
      leaseMs: 60_000,
    },
  },
  emas: { port: -1 },
  schedules: { utcOffsetMinutes: 480, maxPerApp: 100, catchUpSeconds: 3600, pollMs: 500, requestsPerMinute: 100 },
  files: { maxBytes: 10 * 1024 * 1024, maxFiles: 20, maxTtlHours: 720, requestsPerMinute: 20 },
  messaging: {
    wechatoa: { endpoint: 'https://api.weixin.qq.com', timeoutMs: 10_000, concurrency: 16 },
    wechatmp: { endpoint: 'https://api.weixin.qq.com', timeoutMs: 10_000, concurrency: 16 },
    alipay_life: { endpoint: 'https://openapi.alipay.com/gateway.do', timeoutMs: 10_000, concurrency: 16 },
    dingtalk_cc: { endpoint: 'https://oapi.dingtalk.com', timeoutMs: 10_000, concurrency: 4 },
    wechatwk: { endpoint: 'https://qyapi.weixin.qq.com', timeoutMs: 10_000, concurrency: 4 },
  },
  cors: { origins: ['*'] },
  console: { enabled: true, sessionHours: 12, loginAttempts: 5, loginWindowSeconds: 900 },
  memory: { heapGrowthPercent: 25 },
};

export class ConfigError extends Error {}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `patch` into `base`, refusing keys and types the defaults do not have. */
function merge<T>(base: T, patch: unknown, path: string): T {
  if (!isPlain(patch)) throw new ConfigError(`${path || 'config'} must be an object`);
  const out: Plain = { ...(base as Plain) };
  for (const [key, value] of Object.entries(patch)) {
    const where = path ? `${path}.${key}` : key;
    if (!(key in out)) throw new ConfigError(`unknown configuration key: ${where}`);
    const current = out[key];
    if (key === 'tls') {
      if (value === null) out[key] = null;
      else if (isPlain(value) && typeof value.cert === 'string' && typeof value.key === 'string') {
        out[key] = { cert: value.cert, key: value.key };
      } else throw new ConfigError('tls must be null or {"cert": PATH, "key": PATH}');
    } else if (isPlain(current)) {
      out[key] = merge(current, value, where);
    } else if (typeof current !== typeof value) {
      throw new ConfigError(`${where} must be a ${typeof current}`);
    } else {
      out[key] = value;
    }
  }
  return out as T;
}

function intFrom(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer ${min}..${max}`);
  return n;
}

export interface ConfigOverrides {
  configFile?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  role?: string;
}

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  let config: Config = structuredClone(DEFAULT_CONFIG);
  const file = overrides.configFile ?? env.BOREALIS_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    config = merge(config, parsed, '');
  }
  if (env.BOREALIS_HOST) config.host = env.BOREALIS_HOST;
  if (env.BOREALIS_PORT) config.port = intFrom('BOREALIS_PORT', env.BOREALIS_PORT, 0, 65535);
  if (env.BOREALIS_EMAS_PORT) config.emas.port = intFrom('BOREALIS_EMAS_PORT', env.BOREALIS_EMAS_PORT, -1, 65535);
  if (env.BOREALIS_DATA) config.dataDir = env.BOREALIS_DATA;
  if (env.BOREALIS_LOG_LEVEL) config.logLevel = env.BOREALIS_LOG_LEVEL as Config['logLevel'];
  if (env.BOREALIS_CORS_ORIGINS !== undefined) config.cors.origins = env.BOREALIS_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (env.BOREALIS_STORE_URL !== undefined) config.store.url = env.BOREALIS_STORE_URL;
  if (env.BOREALIS_NODE_ID) config.nodeId = intFrom('BOREALIS_NODE_ID', env.BOREALIS_NODE_ID, 0, 15);
  if (env.BOREALIS_ROLE) config.role = env.BOREALIS_ROLE as NodeRole;
  if (env.BOREALIS_BUS_URL !== undefined) config.bus.url = env.BOREALIS_BUS_URL;
  if (overrides.role) config.role = overrides.role as NodeRole;
  if (overrides.host) config.host = overrides.host;
  if (overrides.port !== undefined) config.port = intFrom('--port', overrides.port, 0, 65535);
  if (overrides.dataDir) config.dataDir = overrides.dataDir;

  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(config.logLevel)) throw new ConfigError(`logLevel must be one of ${levels.join(', ')}`);
  if (!['full', 'normal'].includes(config.store.synchronous)) throw new ConfigError('store.synchronous must be full or normal');
  if (config.store.url !== '' && !/^postgres(ql)?:\/\/[^\s]+$/.test(config.store.url)) {
    throw new ConfigError('store.url must be empty (SQLite) or a postgres:// URL');
  }
  if (!Number.isSafeInteger(config.store.poolSize) || config.store.poolSize < 1 || config.store.poolSize > 1000) {
    throw new ConfigError('store.poolSize must be an integer 1..1000');
  }
  if (!Number.isInteger(config.nodeId) || config.nodeId < 0 || config.nodeId > 15) throw new ConfigError('nodeId must be 0..15');
  if (!(NODE_ROLES as readonly string[]).includes(config.role)) throw new ConfigError(`role must be one of ${NODE_ROLES.join(', ')}`);
  if (typeof config.bus.url !== 'string' || (config.bus.url !== '' && !/^(nats|tls):\/\/[^/\s]+$/.test(config.bus.url.split(',')[0]!.trim()))) {
    throw new ConfigError('bus.url must be empty or nats://host:port');
  }
  if (typeof config.bus.subjectPrefix !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(config.bus.subjectPrefix)) {
    throw new ConfigError('bus.subjectPrefix must be 1..64 letters, digits, _ or -');
  }
  for (const [k, v] of Object.entries(config.limits)) {
    if (!Number.isInteger(v) || v < 0) throw new ConfigError(`limits.${k} must be a non-negative integer`);
  }
  if (!Number.isInteger(config.delivery.narrowTargets) || config.delivery.narrowTargets < 0) {
    throw new ConfigError('delivery.narrowTargets must be a non-negative integer');
  }
  if (!Number.isInteger(config.delivery.pacingMinuteMs) || config.delivery.pacingMinuteMs < 100) {
    throw new ConfigError('delivery.pacingMinuteMs must be an integer of at least 100');
  }
  if (!Number.isInteger(config.listenBacklog) || config.listenBacklog < 1) {
    throw new ConfigError('listenBacklog must be a positive integer');
  }
  if (!Number.isInteger(config.delivery.residentSeconds) || config.delivery.residentSeconds < 0) {
    throw new ConfigError('delivery.residentSeconds must be a non-negative integer');
  }
  for (const [k, v] of Object.entries(config.gateway)) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`gateway.${k} must be a positive integer`);
  }
  for (const k of ['pollMs', 'timeoutMs', 'concurrency'] as const) {
    const v = config.sms[k];
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`sms.${k} must be a positive integer`);
  }
  if (!/^https?:\/\/[^/]/.test(config.sms.endpoint)) throw new ConfigError('sms.endpoint must be an http(s) URL');
  for (const [k, v] of Object.entries(config.ums)) {
    const min = k === 'broadcastsPerDay' || k === 'requestsPerMinute' || k === 'callbackRetries' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v < min) throw new ConfigError(`ums.${k} must be an integer of at least ${min}`);
  }
  for (const [k, v] of Object.entries(config.retention)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`retention.${k} must be a positive integer`);
  }
  for (const [k, v] of Object.entries(config.http)) {
    if (!Number.isSafeInteger(v) || v < 100) throw new ConfigError(`http.${k} must be an integer of at least 100 (ms)`);
  }
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    throw new ConfigError('http.headersTimeoutMs must not exceed http.requestTimeoutMs');
  }
  for (const [k, v] of Object.entries(config.callbacks)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`callbacks.${k} must be a positive integer`);
  }
  checkChannels(config.channels);
  if (!Number.isInteger(config.emas.port) || config.emas.port < -1 || config.emas.port > 65535) {
    throw new ConfigError('emas.port must be an integer -1..65535');
  }
  const sc = config.schedules;
  if (!Number.isInteger(sc.utcOffsetMinutes) || Math.abs(sc.utcOffsetMinutes) > 14 * 60) {
    throw new ConfigError('schedules.utcOffsetMinutes must be an integer -840..840');
  }
  for (const k of ['maxPerApp', 'catchUpSeconds', 'pollMs'] as const) {
    if (!Number.isSafeInteger(sc[k]) || sc[k] < 1) throw new ConfigError(`schedules.${k} must be a positive integer`);
  }
  for (const k of ['sessionHours', 'loginAttempts', 'loginWindowSeconds'] as const) {
    const v = config.console[k];
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`console.${k} must be a positive integer`);
  }
  if (typeof config.console.enabled !== 'boolean') throw new ConfigError('console.enabled must be true or false');
  const growth = config.memory.heapGrowthPercent;
  if (!Number.isInteger(growth) || growth < 0 || growth > 1000) throw new ConfigError('memory.heapGrowthPercent must be an integer from 0 to 1000');
  for (const [k, v] of Object.entries(config.files)) {
    if (!Number.isSafeInteger(v) || v < (k === 'requestsPerMinute' ? 0 : 1)) throw new ConfigError(`files.${k} must be a positive integer`);
  }
  if (!Number.isSafeInteger(sc.requestsPerMinute) || sc.requestsPerMinute < 0) {
    throw new ConfigError('schedules.requestsPerMinute must be a non-negative integer');
  }
  checkMessaging(config.messaging);
  checkCorsOrigins(config.cors.origins);
  if (config.limits.windowSeconds < 1) throw new ConfigError('limits.windowSeconds must be at least 1');
  if (config.limits.bodyBytes < 1024) throw new ConfigError('limits.bodyBytes must be at least 1024');
  return config;
}

function checkChannels(c: Config['channels']): void {
  const positive = {
    'apns.sessions': c.apns.sessions,
    'apns.concurrency': c.apns.concurrency,
    'apns.timeoutMs': c.apns.timeoutMs,
    'fcm.timeoutMs': c.fcm.timeoutMs,
    'webpush.timeoutMs': c.webpush.timeoutMs,
  };
  for (const [k, v] of Object.entries(positive)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`channels.${k} must be a positive integer`);
  }
  if (c.fcm.tokenEndpoint !== '' && !/^https?:\/\/[^/]/.test(c.fcm.tokenEndpoint)) throw new ConfigError('channels.fcm.tokenEndpoint must be an http(s) URL');
  checkHuaweiFamily(c);
  checkCnVendorChannels(c);
  const q = c.quotas;
  if (!Number.isSafeInteger(q.dayOffsetMinutes) || Math.abs(q.dayOffsetMinutes) > 14 * 60) {
    throw new ConfigError('channels.quotas.dayOffsetMinutes must be an integer between -840 and 840');
  }
  for (const [vendor, caps] of Object.entries(q.daily)) {
    for (const [category, v] of Object.entries(caps)) {
      if (!Number.isSafeInteger(v) || v < 0) throw new ConfigError(`channels.quotas.daily.${vendor}.${category} must be an integer >= 0`);
    }
  }
  for (const [k, v] of Object.entries(c.relay)) {
    const min = k === 'ratePerSecond' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v < min) throw new ConfigError(`channels.relay.${k} must be an integer >= ${min}`);
  }
  for (const [k, v] of Object.entries({ 'apns.endpoint': c.apns.endpoint, 'apns.sandboxEndpoint': c.apns.sandboxEndpoint, 'fcm.endpoint': c.fcm.endpoint })) {
    if (!/^https?:\/\/[^/]+$/.test(v)) throw new ConfigError(`channels.${k} must be an origin such as https://host:port`);
  }
}

function checkMessaging(m: Config['messaging']): void {
  for (const [id, c] of Object.entries(m)) {
    // Alipay's endpoint is a gateway URL with a path; the others are origins
    const shape = id === 'alipay_life' ? /^https?:\/\/[^/?#]+(\/[^?#]*)?$/ : /^https?:\/\/[^/?#]+$/;
    if (!shape.test(c.endpoint)) throw new ConfigError(`messaging.${id}.endpoint must be ${id === 'alipay_life' ? 'an http(s) URL' : 'an origin such as https://host:port'}`);
    if (!Number.isSafeInteger(c.timeoutMs) || c.timeoutMs < 1) throw new ConfigError(`messaging.${id}.timeoutMs must be a positive integer`);
    if (!Number.isSafeInteger(c.concurrency) || c.concurrency < 1) throw new ConfigError(`messaging.${id}.concurrency must be a positive integer`);
  }
}

/** The Huawei-family channels' blocks: origins, token URLs, timeouts. */
function checkHuaweiFamily(c: Config['channels']): void {
  for (const [name, block] of Object.entries({ huawei: c.huawei, hmos: c.hmos, honor: c.honor })) {
    if (!/^https?:\/\/[^/]+$/.test(block.endpoint)) throw new ConfigError(`channels.${name}.endpoint must be an origin such as https://host:port`);
    if (!Number.isSafeInteger(block.timeoutMs) || block.timeoutMs < 1) throw new ConfigError(`channels.${name}.timeoutMs must be a positive integer`);
    if ('tokenEndpoint' in block && !/^https?:\/\/[^/]/.test(block.tokenEndpoint)) throw new ConfigError(`channels.${name}.tokenEndpoint must be an http(s) URL`);
  }
}

/** The Xiaomi, OPPO, vivo and Meizu blocks and the receipt base URL. */
function checkCnVendorChannels(c: Config['channels']): void {
  for (const vendor of ['xiaomi', 'oppo', 'vivo', 'meizu'] as const) {
    const v = c[vendor];
    if (!/^https?:\/\/[^/]+$/.test(v.endpoint)) throw new ConfigError(`channels.${vendor}.endpoint must be an origin such as https://host:port`);
    if (!Number.isSafeInteger(v.timeoutMs) || v.timeoutMs < 1) throw new ConfigError(`channels.${vendor}.timeoutMs must be a positive integer`);
  }
  if (c.receiptBaseUrl !== '' && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(c.receiptBaseUrl)) {
    throw new ConfigError('channels.receiptBaseUrl must be an http(s) URL without query, such as https://push.example.com');
  }
}

/** `*`, or an origin exactly as browsers send it: scheme, host, optional port; no path. */
function checkCorsOrigins(origins: unknown): void {
  if (!Array.isArray(origins)) throw new ConfigError('cors.origins must be an array of origins');
  for (const o of origins) {
    if (typeof o !== 'string' || (o !== '*' && !/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(o))) {
      throw new ConfigError(`cors.origins: ${JSON.stringify(o)} is not "*" or an origin like https://app.example.com`);
    }
  }
}

export function sqliteFile(config: Config): string {
  const p = config.store.sqlitePath;
  if (p === ':memory:') return p;
  return isAbsolute(p) ? p : resolve(join(config.dataDir, p));
}
