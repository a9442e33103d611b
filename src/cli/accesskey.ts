import { createAccessKey, disableAccessKey, listAccessKeys, type SecretSealer } from '../apps/access-keys.js';
import type { Store } from '../store/types.js';
import { UsageError } from './args.js';

export const ACCESSKEY_USAGE = `borealis app accesskey APP_KEY create | list | disable ACCESS_KEY_ID [--json]
  (AccessKey pairs for the EMAS OpenAPI; the first one gives the app its numeric EMAS AppKey)`;

/** `borealis app accesskey APP_KEY create | list | disable ACCESS_KEY_ID`. */
export async function accessKeyCommand(store: Store, sealer: () => SecretSealer, positionals: string[], json: boolean): Promise<number> {
  const [appKey, action, accessKeyId] = positionals;
  if (!appKey || !action) throw new UsageError(ACCESSKEY_USAGE);
  if (!(await store.apps.get(appKey))) {
    console.error(`no app ${appKey}`);
    return 1;
  }
  switch (action) {
    case 'create': {
      const issued = (await createAccessKey(store, sealer(), appKey))!;
      if (json) console.log(JSON.stringify(issued));
      else {
        console.log(`accessKeyId:     ${issued.accessKeyId}\naccessKeySecret: ${issued.accessKeySecret}\nEMAS AppKey:     ${issued.emasAppKey}`);
      }
      return 0;
    }
    case 'list': {
      const { emasAppKey, keys } = await listAccessKeys(store, appKey);
      const rows = keys.map((k) => ({
        accessKeyId: k.accessKeyId,
        createdAt: new Date(k.createdAt).toISOString(),
        disabledAt: k.disabledAt === null ? null : new Date(k.disabledAt).toISOString(),
      }));
      if (json) console.log(JSON.stringify({ emasAppKey: emasAppKey ?? null, accessKeys: rows }));
      else if (rows.length === 0) console.log('no access keys');
      else {
        console.log(`EMAS AppKey: ${emasAppKey}`);
        for (const r of rows) console.log(`${r.accessKeyId}  ${r.createdAt}  ${r.disabledAt === null ? 'active' : `disabled ${r.disabledAt}`}`);
      }
      return 0;
    }
    case 'disable': {
      if (!accessKeyId) throw new UsageError('app accesskey APP_KEY disable needs ACCESS_KEY_ID');
      if (!(await disableAccessKey(store, appKey, accessKeyId))) {
        console.error(`${accessKeyId} is not an active access key of ${appKey}`);
        return 1;
      }
      console.log(JSON.stringify({ disabled: accessKeyId }));
      return 0;
    }
    default:
      throw new UsageError(`unknown accesskey action: ${action}\n${ACCESSKEY_USAGE}`);
  }
}
