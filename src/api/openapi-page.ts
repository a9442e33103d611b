/**
 * A browsable page of the OpenAPI document: plain HTML and inline CSS, no scripts and nothing
 * loaded from other hosts, so it works on an isolated network and under a strict CSP.
 */
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  security?: unknown[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 1.5rem; color: #1d2330; }
h1 { margin-bottom: .2rem } h2 { margin-top: 2rem; border-bottom: 1px solid #d6dae3; }
section { border: 1px solid #d6dae3; border-radius: 6px; margin: .7rem 0; padding: .5rem .8rem; }
.m { display: inline-block; min-width: 4.2rem; font-weight: 700; font-family: monospace; }
.GET { color: #1b6ac9 } .POST { color: #1a8a4a } .DELETE { color: #c23b22 }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f4f6fa; padding: .6rem; overflow-x: auto; max-height: 28rem; }
table { border-collapse: collapse; } td, th { text-align: left; padding: .15rem .6rem .15rem 0; vertical-align: top; }
.muted { color: #5d6577 }`;

export function renderOpenApiPage(doc: Record<string, unknown>): string {
  const info = (doc.info ?? {}) as { title?: string; description?: string; version?: string };
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(operationHtml(method.toUpperCase(), path, op));
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>\n${ops.join('\n')}`).join('\n');
  const components = (doc.components ?? {}) as { schemas?: Record<string, unknown> };
  const schemas = Object.entries(components.schemas ?? {})
    .map(([name, schema]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title ?? 'API')}</title><style>${STYLE}</style></head>
<body><h1>${esc(info.title ?? 'API')} <span class="muted">API ${esc(info.version ?? '')}</span></h1>
<p>${esc(info.description ?? '')} The machine-readable document is at <a href="openapi.json"><code>/openapi.json</code></a>.</p>
${sections}
<h2>Schemas</h2>
${schemas}
</body></html>
`;
}

function operationHtml(method: string, path: string, op: Operation): string {
  const parts = [`<div><span class="m ${esc(method)}">${esc(method)}</span> <code>${esc(path)}</code> ${esc(op.summary ?? '')}${op.security && op.security.length > 0 ? ' <span class="muted">(HTTP Basic: appKey, master secret)</span>' : ''}</div>`];
  if (op.description) parts.push(`<p>${esc(op.description)}</p>`);
  if (op.parameters && op.parameters.length > 0) {
    const rows = op.parameters
      .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}${p.required ? ', required' : ''}</td><td>${esc(p.description ?? '')}</td></tr>`)
      .join('');
    parts.push(`<table><tr><th>parameter</th><th>in</th><th></th></tr>${rows}</table>`);
  }
  for (const [type, content] of Object.entries(op.requestBody?.content ?? {})) {
    if (content.schema) parts.push(schemaHtml(`request body (${type})`, content.schema));
  }
  for (const [status, r] of Object.entries(op.responses ?? {})) {
    const schema = r.content?.['application/json']?.schema;
    if (schema) parts.push(schemaHtml(`${status}: ${r.description ?? ''}`, schema));
    else parts.push(`<div class="muted">${esc(status)}: ${esc(r.description ?? '')}</div>`);
  }
  return `<section>${parts.join('\n')}</section>`;
}

function schemaHtml(label: string, schema: unknown): string {
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    return `<div>${esc(label)}: <a href="#schema-${esc(name)}"><code>${esc(name)}</code></a></div>`;
  }
  return `<details><summary>${esc(label)}</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
