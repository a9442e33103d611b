// Bundles the web console (Preact + uPlot, from src/console/web) into dist/console/, which
// the server serves at /console. Run by `npm run build` and by build-if-stale.mjs.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT = join('dist', 'console');
mkdirSync(OUT, { recursive: true });
// written aside and renamed into place: a server starting meanwhile never reads half a file
const tmp = `.${process.pid}`;
await build({
  entryPoints: ['src/console/web/main.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  legalComments: 'eof',
  outfile: join(OUT, `app.js${tmp}`),
  logLevel: 'warning',
});
const css = readFileSync('node_modules/uplot/dist/uPlot.min.css', 'utf8') + '\n' + readFileSync('src/console/web/style.css', 'utf8');
writeFileSync(join(OUT, `app.css${tmp}`), css);
renameSync(join(OUT, `app.js${tmp}`), join(OUT, 'app.js'));
renameSync(join(OUT, `app.css${tmp}`), join(OUT, 'app.css'));
