import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Fails on import cycles, type-only imports included (they tie modules together as surely as
 * value imports, and a type-only edge today becomes a value edge tomorrow):
 * - between files anywhere in the project's TypeScript sources;
 * - between the top-level folders of src/ (layers such as store, delivery, receipts): a file of
 *   folder A importing folder B while some file of B imports A, even through other folders.
 *   Files directly in src/ count as their own folder.
 * The import graph is read once per lint run, with TypeScript's own import scanner.
 */

const ROOTS = ['src', 'sdk/src', 'bench', 'test', 'scripts'];

let cached = null;

function listTs(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listTs(full, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The file a relative specifier names ('./x.js' is './x.ts' in the sources), or null. */
function resolveSpecifier(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  for (const c of candidates) if (c.endsWith('.ts') && existsSync(c)) return c;
  return null;
}

/** Strongly connected components (Tarjan), as a map from node to component id. */
function components(nodes, edgesOf) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const component = new Map();
  let next = 0;
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edgesOf(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const id = next++;
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.set(w, id);
      } while (w !== v);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return component;
}

/** A shortest path from `from` to `to` along `edgesOf`, as a list of nodes. */
function path(from, to, edgesOf) {
  const prev = new Map([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const v = queue.shift();
    if (v === to) break;
    for (const w of edgesOf(v)) {
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  if (!prev.has(to)) return [];
  const out = [];
  for (let v = to; v !== null; v = prev.get(v)) out.unshift(v);
  return out;
}

function buildGraph(cwd, allowed) {
  const files = ROOTS.flatMap((r) => listTs(join(cwd, r), []));
  const fileEdges = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set();
    for (const ref of info.importedFiles) {
      const target = resolveSpecifier(file, ref.fileName);
      if (target && target !== file) targets.add(target);
    }
    fileEdges.set(file, targets);
  }
  const srcDir = join(cwd, 'src') + sep;
  const folderOf = (file) => {
    if (!file.startsWith(srcDir)) return null;
    const rest = file.slice(srcDir.length).split(sep);
    return rest.length === 1 ? rest[0] : rest[0] + '/';
  };
  const folderEdges = new Map();
  for (const [file, targets] of fileEdges) {
    const a = folderOf(file);
    if (a === null) continue;
    if (!folderEdges.has(a)) folderEdges.set(a, new Set());
    for (const t of targets) {
      const b = folderOf(t);
      if (b !== null && b !== a && !allowed.has(`${a} -> ${b}`)) folderEdges.get(a).add(b);
    }
  }
  const fileOut = (v) => fileEdges.get(v) ?? [];
  const folderOut = (v) => folderEdges.get(v) ?? [];
  return {
    cwd,
    folderOf,
    fileOut,
    folderOut,
    fileComponent: components(fileEdges.keys(), fileOut),
    folderComponent: components(folderEdges.keys(), folderOut),
  };
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'forbid import cycles between files and between the folders of src/' },
    schema: [
      {
        type: 'object',
        properties: {
          // known folder imports against the layering ("a/ -> b/"), left out of the folder graph
          allowFolderEdges: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      fileCycle: 'import cycle: {{cycle}}',
      folderCycle: 'folders depend on each other: {{cycle}} (move the shared part down a layer, e.g. to domain/)',
    },
  },
  create(context) {
    const file = context.physicalFilename;
    if (!file.endsWith('.ts')) return {};
    const cwd = context.cwd;
    const allowed = new Set(context.options[0]?.allowFolderEdges ?? []);
    const key = `${cwd}\n${[...allowed].sort().join(',')}`;
    if (!cached || cached.key !== key) cached = { ...buildGraph(cwd, allowed), key };
    const g = cached;
    const name = (f) => relative(cwd, f);
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = resolveSpecifier(file, source.value);
      if (!target) return;
      const c = g.fileComponent.get(file);
      if (c !== undefined && c === g.fileComponent.get(target)) {
        const back = path(target, file, g.fileOut);
        context.report({ node, messageId: 'fileCycle', data: { cycle: [file, ...back].map(name).join(' -> ') } });
        return;
      }
      const a = g.folderOf(file);
      const b = g.folderOf(target);
      if (a === null || b === null || a === b) return;
      const fc = g.folderComponent.get(a);
      if (fc !== undefined && fc === g.folderComponent.get(b)) {
        const back = path(b, a, g.folderOut);
        context.report({ node, messageId: 'folderCycle', data: { cycle: [a, ...back].join(' -> ') } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};
