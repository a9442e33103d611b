import { after, before, beforeEach } from 'node:test';
import type { Channel, ChannelCredentials } from '../../src/channels/types.js';
import type { CnVendorFake } from '../fakes/cn-vendor-base.js';
import { ReceiptSink } from './vendor-receipt-sink.js';

/** The app key whose receipts the sink accepts (with the test's credentials). */
export const RECEIPT_APP_KEY = 'a'.repeat(24);

export interface CnVendorChannelSetup<F> {
  fake: F;
  sink: ReceiptSink;
  channel: Channel;
}

/**
 * The hooks every Xiaomi / OPPO / vivo / Meizu channel test shares: the vendor's fake (started
 * and given its app by `start`), a receipt sink that answers for RECEIPT_APP_KEY with `creds`,
 * and before each test a fresh channel and empty logs. `use` hands the current set to the test.
 */
export function cnVendorChannelTest<F extends CnVendorFake>(
  opts: { start: () => Promise<F>; creds: ChannelCredentials; create: (endpoint: string, receiptBaseUrl: string) => Channel },
  use: (setup: CnVendorChannelSetup<F>) => void,
): void {
  let setup: CnVendorChannelSetup<F> | undefined;
  before(async () => {
    const fake = await opts.start();
    const sink = await ReceiptSink.start(
      () => setup!.channel,
      (appKey) => (appKey === RECEIPT_APP_KEY ? opts.creds : undefined),
    );
    setup = { fake, sink, channel: opts.create(fake.url, sink.url) };
  });
  after(async () => {
    await setup?.fake.close();
    await setup?.sink.close();
  });
  beforeEach(() => {
    setup!.fake.reset();
    setup!.sink.answers.length = 0;
    setup!.channel = opts.create(setup!.fake.url, setup!.sink.url);
    use(setup!);
  });
}
