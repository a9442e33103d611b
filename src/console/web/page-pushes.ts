import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, qs } from './api.js';
import { formatTime, t, type TextKey } from './i18n.js';
import { openDraft } from './page-compose.js';
import { Bars, ErrorNote, Field, Section, Table, useLoad, type View } from './ui.js';

interface PushLine {
  msg_id: string;
  created_at: number;
  targets: number;
  state: 'live' | 'expired' | 'revoked';
  content: string;
}

interface Figures {
  target: number;
  sent: number;
  received: number;
  click: number;
}

interface PushDetail {
  msg_id: string;
  state: 'live' | 'expired' | 'revoked';
  created_at: number;
  push: { platform: string[]; audience: Record<string, unknown>; notification?: Record<string, unknown>; message?: Record<string, unknown>; options: Record<string, unknown> } | null;
  funnel: { total: Figures; platforms: Record<string, Figures>; channels: Record<string, Figures> };
  vendors: Record<string, { sent?: number | null; received?: number | null; failed?: number | null }>;
}

/** Push history: newest first, searched and paged by the server. */
export function PushesPage(props: { appKey: string }): View {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<PushLine[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const base = `/apps/${encodeURIComponent(props.appKey)}/pushes`;

  const load = async (before: string | null, append: boolean) => {
    setError(null);
    try {
      const page = await api<{ total: number; pushes: PushLine[]; next: string | null }>('GET', base + qs({ q: query, before, limit: 50 }));
      setRows((r) => (append ? [...r, ...page.pushes] : page.pushes));
      setTotal(page.total);
      setNext(page.next);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    void load(null, false);
  }, [props.appKey, query]);

  return html`<div>
    <h1>${t('navPushes')}</h1>
    <form class="inline" role="search" onSubmit=${(e: Event) => {
      e.preventDefault();
      setQuery(search);
    }}>
      <${Field} label=${`${t('search')} (${t('msgId')} / ${t('content')})`} name="push-search" value=${search} onInput=${setSearch} />
      <button type="submit">${t('search')}</button>
    </form>
    <${ErrorNote} error=${error} />
    ${total !== null ? html`<p data-testid="push-total">${total.toLocaleString()}</p>` : null}
    <${Table}
      caption=${t('navPushes')}
      head=${[t('msgId'), t('time'), t('content'), t('targets'), t('state')]}
      rows=${rows.map((p) => [
        html`<a href=${`#/pushes/${p.msg_id}`}>${p.msg_id}</a>`,
        formatTime(p.created_at),
        p.content,
        p.targets.toLocaleString(),
        t(p.state as TextKey),
      ])}
    />
    ${next ? html`<button onClick=${() => load(next, true)}>${t('loadMore')}</button>` : null}
  </div>`;
}

/** One push: what it was, its funnel per platform and channel, revoke and override. */
export function PushDetailPage(props: { appKey: string; msgId: string; canSend: boolean }): View {
  const path = `/apps/${encodeURIComponent(props.appKey)}/pushes/${props.msgId}`;
  const detail = useLoad(() => api<PushDetail>('GET', path), [path]);
  const [error, setError] = useState<unknown>(null);
  // receipts keep arriving: refresh the funnel while the push is live
  useEffect(() => {
    const timer = setInterval(() => detail.data?.state === 'live' && detail.reload(), 2000);
    return () => clearInterval(timer);
  }, [detail.data?.state]);
  const d = detail.data;
  if (!d) return html`<${ErrorNote} error=${detail.error} />`;
  const f = d.funnel.total;
  const revoke = async () => {
    if (!confirm(t('confirmRevoke'))) return;
    try {
      await api('DELETE', path);
      detail.reload();
    } catch (err) {
      setError(err);
    }
  };
  const override = () => {
    const p = d.push;
    if (!p) return;
    openDraft({
      platform: p.platform.length === 4 ? 'all' : p.platform,
      audience: p.audience.all ? 'all' : p.audience,
      ...(p.notification ? { notification: p.notification } : {}),
      ...(p.message ? { message: p.message } : {}),
      options: { override_msg_id: Number(d.msg_id) },
    });
  };
  return html`<div>
    <h1>${t('msgId')} ${d.msg_id}</h1>
    <p>${t('state')}: <strong data-testid="push-state">${t(d.state as TextKey)}</strong> · ${formatTime(d.created_at)}</p>
    ${props.canSend && d.state === 'live'
      ? html`<div class="row">
          <button onClick=${revoke} class="danger">${t('revoke')}</button>
          <button onClick=${override}>${t('override')}</button>
        </div>`
      : null}
    <${ErrorNote} error=${error} />
    <${Section} title=${t('funnel')}>
      <div data-testid="funnel">
        <${Bars}
          label=${t('funnel')}
          items=${[
            [t('targeted'), f.target],
            [t('sent'), f.sent],
            [t('received'), f.received],
            [t('clicked'), f.click],
          ]}
        />
      </div>
    <//>
    <div class="grid2">
      <${Section} title=${t('byPlatform')}>
        ${Object.entries(d.funnel.platforms)
          .filter(([, v]) => v.target > 0)
          .map(([name, v]) => html`<${Bars} label=${name} items=${[[t('targeted'), v.target], [t('sent'), v.sent], [t('received'), v.received], [t('clicked'), v.click]]} />`)}
      <//>
      <${Section} title=${t('byChannel')}>
        ${Object.entries(d.funnel.channels).map(
          ([name, v]) => html`<${Bars} label=${name} items=${[[t('targeted'), v.target], [t('sent'), v.sent], [t('received'), v.received], [t('clicked'), v.click]]} />`,
        )}
        ${Object.entries(d.vendors).map(
          ([name, v]) => html`<${Bars} label=${name} items=${[[t('sent'), v.sent ?? 0], [t('received'), v.received ?? 0]]} />`,
        )}
      <//>
    </div>
    <${Section} title=${t('rawJson')}><pre tabindex="0">${JSON.stringify(d.push, null, 2)}</pre><//>
  </div>`;
}
