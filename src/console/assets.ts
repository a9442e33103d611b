import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: the nearest folder above this module with a package.json (from src/ or dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Where `scripts/build-console.mjs` writes the bundle. */
export const ASSETS_DIR = join(packageRoot(), 'dist', 'console');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Borealis console</title>
<link rel="stylesheet" href="/console/assets/app.css">
</head>
<body>
<div id="console"><noscript>The Borealis console needs JavaScript.</noscript></div>
<script type="module" src="/console/assets/app.js"></script>
</body>
</html>
`;

/** Everything from this server only, nothing inline, no framing by other sites. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const FILES: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/** The console's page and its bundled script and styles (read once, at start). */
export function registerConsoleAssets(app: FastifyInstance, dir = ASSETS_DIR): void {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(FILES)) {
    const path = join(dir, name);
    if (existsSync(path)) files.set(name, readFileSync(path));
  }
  const page = files.size === Object.keys(FILES).length ? PAGE : PAGE.replace(/<script[^]*<\/script>/, '<p>The console was not built: run <code>npm run build</code>.</p>');

  app.get('/console', async (_request, reply) => {
    return reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page);
  });
  app.get('/console/assets/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    const body = files.get(name);
    if (!body) return reply.code(404).send({ error: { code: 9007, message: `no console asset ${name.slice(0, 64)}` } });
    return reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').type(FILES[name]!).send(body);
  });
}
