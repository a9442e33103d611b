import { RoaringBitmap32, type Bitmap } from '../audience/audience-index.js';
import type { Store } from '../store/types.js';

/**
 * Resolves `audience.file` to device numbers of one app: the file's registration ids or
 * aliases joined with that app's devices in the store, batch by batch into one bitmap. Ids
 * of other apps, unknown ids and devices registered after the upload behave as in a push
 * naming them directly.
 */
export class FileAudience {
  constructor(private readonly store: Store) {}

  /** Undefined when `ownerKey` has no such unexpired file. */
  async resolve(appKey: string, fileId: string, ownerKey: string = appKey): Promise<Bitmap | undefined> {
    const file = await this.store.files.get(ownerKey, fileId, Date.now());
    if (!file) return undefined;
    const set = new RoaringBitmap32();
    await this.store.files.deviceNums(file, appKey, (nums) => set.addMany(nums));
    return set;
  }
}
