import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { closeMessaging, createMessagingRegistry, type MessagingRegistry } from '../messaging/registry.js';
import type { UmsStore } from '../store/ums-types.js';
import { UmsAppReceipts } from './app-receipts.js';
import { UmsCallbackQueue, UmsCallbackSender } from './callbacks.js';
import { UmsDeliveryReports } from './delivery-reports.js';
import { UmsDispatcher, type AppPushSender } from './dispatcher.js';
import { channelBasic } from './secrets.js';
import { UmsService } from './service.js';

/** The UMS services of one node, started and stopped together. */
export interface UmsRuntime {
  store: UmsStore;
  sealingKey: Buffer;
  messaging: MessagingRegistry;
  service: UmsService;
  dispatcher: UmsDispatcher;
  deliveryReports: UmsDeliveryReports;
  receipts: UmsAppReceipts;
  callbackQueue: UmsCallbackQueue;
  callbackSender: UmsCallbackSender;
  start(): void;
  stop(): Promise<void>;
}

/** Matches the material URLs `POST /v1/material` hands out (`.../v1/material/ID`). */
const MATERIAL_URL = /\/v1\/material\/([0-9a-f]{32})$/;

export interface UmsDeps {
  config: Config;
  logger: Logger;
  store: UmsStore;
  sealingKey: Buffer;
  appExists: (appKey: string) => Promise<boolean>;
  newMsgId: () => string;
  sendAppPush: AppPushSender;
}

export function createUms(d: UmsDeps): UmsRuntime {
  const o = d.config.ums;
  const messaging = createMessagingRegistry({
    timeoutMs: o.timeoutMs,
    concurrency: o.concurrency,
    smsEndpoint: d.config.sms.endpoint,
    smtpConnections: o.smtpConnections,
    vendors: d.config.messaging,
    attachments: async (url) => {
      const id = MATERIAL_URL.exec(new URL(url).pathname)?.[1];
      const m = id ? await d.store.getMaterial(id) : undefined;
      return m ? { filename: m.filename, contentType: m.contentType, content: m.data } : undefined;
    },
  });
  const callbackQueue = new UmsCallbackQueue(d.store);
  const service = new UmsService(d.store, d.sealingKey, messaging, d.appExists, d.newMsgId, callbackQueue, {
    secondMs: o.secondMs,
    broadcastsPerDay: o.broadcastsPerDay,
  });
  const dispatcher = new UmsDispatcher(d.store, d.sealingKey, messaging, d.sendAppPush, callbackQueue, d.logger, { pollMs: o.pollMs, secondMs: o.secondMs });
  service.onAccepted(() => void dispatcher.poll());
  // vendors settle delivery in seconds to minutes: asked every minute (of policy time)
  const deliveryReports = new UmsDeliveryReports(d.store, d.sealingKey, messaging, callbackQueue, d.logger, { intervalMs: 60 * o.secondMs });
  const receipts = new UmsAppReceipts(d.store, callbackQueue, d.logger);
  const callbackSender = new UmsCallbackSender(
    d.store,
    async (channelKey) => {
      const c = await d.store.getChannel(channelKey);
      return c ? channelBasic(d.sealingKey, c) : undefined;
    },
    d.logger,
    { intervalMs: o.callbackIntervalMs, batch: o.callbackBatch, retryMs: o.callbackRetryMs, retries: o.callbackRetries, timeoutMs: o.timeoutMs },
  );
  return {
    store: d.store,
    sealingKey: d.sealingKey,
    messaging,
    service,
    dispatcher,
    deliveryReports,
    receipts,
    callbackQueue,
    callbackSender,
    start() {
      dispatcher.start();
      deliveryReports.start();
      callbackSender.start();
      void dispatcher.poll();
    },
    async stop() {
      await dispatcher.stop();
      await deliveryReports.stop();
      await receipts.stop();
      await callbackSender.stop();
      await closeMessaging(messaging);
    },
  };
}
