import type { Logger } from 'pino';
import type { AppDirectory } from './apps/app-directory.js';
import type { AudienceIndex } from './audience/audience-index.js';
import type { AudienceDefinitions } from './audience/segments.js';
import type { DeliveryService } from './delivery/delivery-service.js';
import type { DeviceRegistry } from './devices/registry.js';
import type { Gateway } from './gateway/gateway.js';
import type { Config } from './config.js';
import type { AcceptService } from './delivery/accept.js';
import type { Pacer } from './delivery/pacing.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { Metrics } from './observability/metrics.js';
import type { Store } from './store/types.js';
import type { ChannelCredentialService } from './channels/credentials.js';
import type { RelayWorker } from './relay/relay-worker.js';
import type { VendorAnswers } from './relay/vendor-answers.js';
import type { QuotaLedger } from './relay/quota-ledger.js';
import type { VendorReceiptService } from './relay/vendor-receipts.js';
import type { ChannelRegistry } from './channels/registry.js';
import type { FileAudience } from './files/file-audience.js';
import type { ScheduleService } from './schedules/schedule-service.js';
import type { Scheduler } from './schedules/scheduler.js';
import type { UmsRuntime } from './ums/runtime.js';

/** This node in its cluster: who it is and whether it should get traffic (GET /readyz). */
export interface NodeStatus {
  id: number;
  role: string;
  /** Why the node should get no traffic now, or undefined when it is ready. */
  notReady(): Promise<string | undefined>;
}

/** The services one running node wires together; handed to every API surface. */
export interface ServerContext {
  config: Config;
  logger: Logger;
  store: Store;
  apps: AppDirectory;
  accept: AcceptService;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  index: AudienceIndex;
  /** Saved segments and A/B tests, resolved to devices. */
  definitions: AudienceDefinitions;
  registry: DeviceRegistry;
  delivery: DeliveryService;
  pacer: Pacer;
  gateway: Gateway;
  credentials: ChannelCredentialService;
  relay: RelayWorker;
  /** Recent vendor answers per push and device, for the per-device trace. */
  vendorAnswers: VendorAnswers;
  /** The vendor channels this node relays through. */
  channels: ChannelRegistry;
  /** Each app's daily use of vendor quotas. */
  quotas: QuotaLedger;
  /** Applies receipts vendors send back. */
  vendorReceipts: VendorReceiptService;
  schedules: ScheduleService;
  scheduler: Scheduler;
  files: FileAudience;
  /** Unified messaging (UMS v1): users, messages over app / SMS / email / IM, policies, callbacks. */
  ums: UmsRuntime;
  node: NodeStatus;
}
