import { OperatorInputError, checkPassword, createOperator, operatorJson, parseRole } from '../console/operators.js';
import { generatePassword, hashPassword } from '../console/passwords.js';
import { openStore } from '../node.js';
import { UsageError, configFrom, parse, stringFlag } from './args.js';

export const ADMIN_USAGE = `borealis admin create --name NAME [--role viewer|operator|admin] [--apps K1,K2|*] [--password P] [--json]
borealis admin list [--json]
borealis admin password NAME [--password P]
borealis admin disable NAME / enable NAME
  Web console operators (the console is at /console). Without --password one is generated
  and printed once; --role defaults to admin, --apps to every app. Also --data DIR, --config FILE.`;

export async function adminCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    name: { type: 'string' },
    role: { type: 'string' },
    apps: { type: 'string' },
    password: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help || sub === undefined || sub === 'help') {
    console.log(ADMIN_USAGE);
    return sub === undefined ? 2 : 0;
  }
  // --role here is the operator's role, not the node's
  const store = openStore(configFrom({ ...values, role: undefined }));
  try {
    const console_ = store.console;
    switch (sub) {
      case 'create': {
        const name = stringFlag(values, 'name') ?? positionals[0];
        if (!name) throw new UsageError(`admin create needs --name NAME\n${ADMIN_USAGE}`);
        const given = stringFlag(values, 'password');
        const password = given ?? generatePassword();
        const appsFlag = stringFlag(values, 'apps');
        const apps = appsFlag === undefined || appsFlag.trim() === '*' ? null : appsFlag.split(',').map((k) => k.trim()).filter(Boolean);
        let created;
        try {
          created = await createOperator(console_, { name, password, role: parseRole(stringFlag(values, 'role') ?? 'admin'), apps });
        } catch (err) {
          if (err instanceof OperatorInputError) throw new UsageError(err.message);
          throw err;
        }
        if (!created) {
          console.error(`an operator named ${name} exists`);
          return 1;
        }
        if (values.json) console.log(JSON.stringify({ ...operatorJson(created), ...(given ? {} : { password }) }));
        else console.log(`operator: ${created.name} (${created.role})${given ? '' : `\npassword: ${password}`}`);
        return 0;
      }
      case 'list': {
        const all = (await console_.operators()).map(operatorJson);
        if (values.json) console.log(JSON.stringify(all));
        else for (const o of all) console.log(`${o.name}\t${o.role}\t${o.apps === null ? '*' : o.apps.join(',')}${o.disabled ? '\tdisabled' : ''}`);
        return 0;
      }
      case 'password': {
        const name = positionals[0];
        if (!name) throw new UsageError('admin password needs NAME');
        const given = stringFlag(values, 'password');
        const password = given ?? generatePassword();
        try {
          checkPassword(password);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        if (!(await console_.updateOperator(name, { passwordHash: await hashPassword(password) }))) {
          console.error(`no operator ${name}`);
          return 1;
        }
        await console_.deleteSessionsOf(name);
        console.log(given ? `password of ${name} changed` : `password: ${password}`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        const name = positionals[0];
        if (!name) throw new UsageError(`admin ${sub} needs NAME`);
        if (!(await console_.updateOperator(name, { disabledAt: sub === 'disable' ? Date.now() : null }))) {
          console.error(`no operator ${name}`);
          return 1;
        }
        if (sub === 'disable') await console_.deleteSessionsOf(name);
        console.log(`${name} ${sub}d`);
        return 0;
      }
      default:
        throw new UsageError(`unknown admin command: ${sub}\n${ADMIN_USAGE}`);
    }
  } finally {
    await store.close();
  }
}
