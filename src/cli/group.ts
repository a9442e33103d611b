import { hashSecret, newAppKey, newMasterSecret } from '../apps/credentials.js';
import { openStore } from '../node.js';
import type { Store } from '../store/types.js';
import { UsageError, configFrom, parse, stringFlag } from './args.js';

export const GROUP_USAGE = `borealis group create --name NAME --apps KEY1,KEY2 [--json]
borealis group list [--json]
borealis group add-app GROUP_KEY --app APP_KEY
borealis group remove-app GROUP_KEY --app APP_KEY
  (a group pushes to all its apps at once: POST /v3/grouppush with Basic auth
   group-GROUP_KEY:GROUP_MASTER_SECRET; each also takes --data DIR and --config FILE)`;

async function checkApps(store: Store, keys: string[]): Promise<void> {
  for (const k of keys) if (!(await store.apps.get(k))) throw new UsageError(`no app ${k}`);
}

export async function groupCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    name: { type: 'string' },
    apps: { type: 'string' },
    app: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help || sub === undefined || sub === 'help') {
    console.log(GROUP_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const store = openStore(configFrom(values));
  try {
    switch (sub) {
      case 'create': {
        const name = stringFlag(values, 'name');
        if (!name || name.length > 128) throw new UsageError('group create needs --name NAME (at most 128 characters)');
        const appKeys = [...new Set((stringFlag(values, 'apps') ?? '').split(',').map((k) => k.trim()).filter((k) => k !== ''))];
        await checkApps(store, appKeys);
        const creds = { groupKey: newAppKey(), masterSecret: newMasterSecret() };
        await store.groups.create({ groupKey: creds.groupKey, name, secretHash: hashSecret(creds.masterSecret), createdAt: Date.now() }, appKeys);
        if (values.json) console.log(JSON.stringify({ ...creds, apps: appKeys }));
        else console.log(`groupKey:     ${creds.groupKey}\nmasterSecret: ${creds.masterSecret}\nauth user:    group-${creds.groupKey}`);
        return 0;
      }
      case 'list': {
        const groups = (await store.groups.list()).map((g) => ({
          groupKey: g.groupKey,
          name: g.name,
          createdAt: new Date(g.createdAt).toISOString(),
          apps: g.appKeys,
        }));
        if (values.json) console.log(JSON.stringify(groups));
        else if (groups.length === 0) console.log('no groups');
        else for (const g of groups) console.log(`${g.groupKey}  ${g.createdAt}  ${g.name}  apps: ${g.apps.join(',') || '-'}`);
        return 0;
      }
      case 'add-app':
      case 'remove-app': {
        const groupKey = positionals[0];
        const appKey = stringFlag(values, 'app');
        if (!groupKey || !appKey) throw new UsageError(`group ${sub} needs GROUP_KEY and --app APP_KEY`);
        if (sub === 'add-app') {
          await checkApps(store, [appKey]);
          if (!(await store.groups.addApp(groupKey, appKey))) {
            console.error(`no group ${groupKey}`);
            return 1;
          }
        } else if (!(await store.groups.removeApp(groupKey, appKey))) {
          console.error(`app ${appKey} is not in group ${groupKey}`);
          return 1;
        }
        const group = await store.groups.get(groupKey);
        console.log(JSON.stringify({ groupKey, apps: group?.appKeys ?? [] }));
        return 0;
      }
      default:
        throw new UsageError(`unknown group command: ${sub}\n\n${GROUP_USAGE}`);
    }
  } finally {
    await store.close();
  }
}
