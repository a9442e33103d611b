import { benchPushAccept } from './push-accept.js';
import { machine } from './lib.js';

/** `npm run bench [-- name...]`: runs the benchmarks and prints their figures as Markdown. */
const BENCHES: Record<string, (seconds: number) => Promise<string[]>> = {
  'push-accept': benchPushAccept,
};

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);

console.log(`# Borealis benchmarks\n\nMachine: ${machine()}\nDate: ${new Date().toISOString()}\n`);
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; have ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`## ${name}\n`);
  for (const line of await bench(seconds)) console.log(line);
}
