// Runs the test files under test/ with Node's own test runner, TypeScript loaded through tsx.
// Node 20's runner does not expand globs itself, so the files are listed here.
//
//   node scripts/run-tests.mjs [--store sqlite|postgres|both] [FILTER...]
//
// Without a filter (CI, `npm test`) it runs two passes: every file on SQLite with the
// in-process bus, then the server-backed suites (test/e2e) again on PostgreSQL with a NATS bus.
// With filters (substrings of paths), one pass on SQLite unless --store (or
// BOREALIS_TEST_STORE=postgres) says otherwise.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
let store;
const filter = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--store') store = args[++i];
  else if (args[i]?.startsWith('--store=')) store = args[i].slice('--store='.length);
  else filter.push(args[i]);
}
store ??= filter.length === 0 ? 'both' : process.env.BOREALIS_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
if (!['sqlite', 'postgres', 'both'].includes(store)) {
  console.error('--store must be sqlite, postgres or both');
  process.exit(2);
}

const files = collect('test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// A test that hangs fails after this long instead of holding the whole run (CI has a time cap).
const testTimeoutMs = process.env.TEST_TIMEOUT_MS ?? '600000';
const natsUrl = process.env.BOREALIS_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

function run(title, list, env) {
  console.log(`\n# ${title}: ${list.length} files\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${testTimeoutMs}`, '--test-reporter=spec', ...list],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  return result.status ?? 1;
}

const passes = [];
if (store !== 'postgres') passes.push(() => run('SQLite, local bus', files, { BOREALIS_TEST_STORE: 'sqlite', BOREALIS_TEST_BUS_URL: '' }));
if (store !== 'sqlite') {
  // unit and contract files do not start servers (the contract suite covers both stores itself)
  const serverBacked = filter.length === 0 || store === 'both' ? files.filter((f) => f.startsWith(join('test', 'e2e'))) : files;
  // node --test with no files would pick up every test under the working directory (dist/ too)
  if (serverBacked.length > 0) passes.push(() => run('PostgreSQL, NATS bus', serverBacked, { BOREALIS_TEST_STORE: 'postgres', BOREALIS_TEST_BUS_URL: natsUrl }));
  else console.log('\n# PostgreSQL, NATS bus: no end-to-end files among the matched ones\n');
}
let status = 0;
for (const pass of passes) status = pass() || status;
process.exit(status);
