import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure } from './api.js';
import { t } from './i18n.js';

export type View = ReturnType<typeof html>;

let nextId = 0;
/** A stable id for label/input pairs. */
export function useId(prefix: string): string {
  const [id] = useState(() => `${prefix}-${++nextId}`);
  return id;
}

/** A labelled text input; `hint` is read out with the field. */
export function Field(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  hint?: string;
  name?: string;
  multiline?: boolean;
  required?: boolean;
  autocomplete?: string;
}): View {
  const id = useId('f');
  const hintId = props.hint ? `${id}-hint` : undefined;
  const common = {
    id,
    name: props.name ?? id,
    value: props.value,
    'aria-describedby': hintId,
    required: props.required,
    onInput: (e: Event) => props.onInput((e.target as HTMLInputElement).value),
  };
  return html`<div class="field">
    <label for=${id}>${props.label}</label>
    ${props.multiline
      ? html`<textarea ...${common} rows="5"></textarea>`
      : html`<input ...${common} type=${props.type ?? 'text'} autocomplete=${props.autocomplete ?? 'off'} />`}
    ${props.hint ? html`<small id=${hintId}>${props.hint}</small>` : null}
  </div>`;
}

export function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void }): View {
  const id = useId('c');
  return html`<div class="check">
    <input type="checkbox" id=${id} checked=${props.checked} onChange=${(e: Event) => props.onChange((e.target as HTMLInputElement).checked)} />
    <label for=${id}>${props.label}</label>
  </div>`;
}

export function Select(props: { label: string; value: string; options: [string, string][]; onChange: (v: string) => void }): View {
  const id = useId('s');
  return html`<div class="field">
    <label for=${id}>${props.label}</label>
    <select id=${id} value=${props.value} onChange=${(e: Event) => props.onChange((e.target as HTMLSelectElement).value)}>
      ${props.options.map(([v, label]) => html`<option value=${v} selected=${v === props.value}>${label}</option>`)}
    </select>
  </div>`;
}

export function Section(props: { title: string; children?: ComponentChildren; id?: string }): View {
  const id = useId('h');
  return html`<section class="card" aria-labelledby=${id}><h2 id=${id}>${props.title}</h2>${props.children}</section>`;
}

export function ErrorNote(props: { error: unknown }): View | null {
  if (!props.error) return null;
  const e = props.error;
  const text = e instanceof ApiFailure ? `${e.code ? `${e.code}: ` : ''}${e.message}` : String((e as Error).message ?? e);
  return html`<p class="error" role="alert">${text}</p>`;
}

/** Loads `load()` when `deps` change; gives the value, the error, and a reload. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (v) => live && setData(v),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}

/** A table with a caption, header cells and rows of cells. */
export function Table(props: { caption: string; head: string[]; rows: ComponentChildren[][]; empty?: string }): View {
  if (props.rows.length === 0) return html`<p>${props.empty ?? t('none')}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${props.caption}>
    <table>
      <caption class="sr-only">${props.caption}</caption>
      <thead><tr>${props.head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
      <tbody>${props.rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
    </table>
  </div>`;
}

/** Horizontal bars with their figures written out, so they read without the picture too. */
export function Bars(props: { label: string; items: [string, number][] }): View {
  const max = Math.max(1, ...props.items.map(([, v]) => v));
  return html`<figure class="bars" aria-label=${props.label}>
    <figcaption>${props.label}</figcaption>
    ${props.items.map(
      ([name, value]) => html`<div class="bar-row">
        <span class="bar-name">${name}</span>
        <span class="bar-track" aria-hidden="true"><span class="bar-fill" style=${{ width: `${(value / max) * 100}%` }}></span></span>
        <span class="bar-value">${value.toLocaleString()}</span>
      </div>`,
    )}
  </figure>`;
}

export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
