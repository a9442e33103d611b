// Builds dist/ only when a source file is newer than the last build, so `npm start` answers at
// once on every call after the first (npm install builds once, through "prepare").
// Build output goes to stderr: stdout stays the program's own.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const BUILT = 'dist/src/cli/main.js';
const SOURCES = ['src', 'sdk/src', 'bench', 'tsconfig.json', 'package.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

const built = existsSync(BUILT) ? statSync(BUILT).mtimeMs : 0;
const changed = Math.max(...SOURCES.map(newest));
// the web console's bundle (esbuild, a dev dependency like TypeScript)
const CONSOLE_BUILT = 'dist/console/app.js';
const consoleStale = (existsSync(CONSOLE_BUILT) ? statSync(CONSOLE_BUILT).mtimeMs : 0) < newest('src/console/web');
if (changed > built) {
  process.stderr.write('borealis: building (sources changed since the last build)\n');
  const tsc = join('node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    // an install without dev dependencies cannot build; a build shipped with it still runs
    process.stderr.write(`borealis: cannot build: TypeScript is not installed (npm install without --omit=dev)${built ? '; running the existing build' : ''}\n`);
    process.exit(built ? 0 : 1);
  }
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (consoleStale || changed > built) {
  if (existsSync(join('node_modules', 'esbuild'))) {
    const r = spawnSync(process.execPath, ['scripts/build-console.mjs'], { stdio: ['ignore', 2, 2] });
    process.exit(r.status ?? 1);
  }
  process.stderr.write('borealis: cannot bundle the web console: esbuild is not installed (npm install without --omit=dev)\n');
}
