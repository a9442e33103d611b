import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, qs } from './api.js';
import { formatTime, t } from './i18n.js';
import { ErrorNote, Field, Section, Table, useLoad, type View } from './ui.js';

interface DeviceJson {
  registration_id: string;
  platform: string;
  alias: string | null;
  account: string | null;
  tags: string[];
  vendor_tokens: string[];
  created_at: number;
  last_online_at: number | null;
}

interface Trace {
  msg_id: string;
  content: string | null;
  state: string;
  targeted: boolean;
  sent: boolean;
  received: boolean;
  clicked: boolean;
  vendors?: Record<string, string>;
  vendor_answers?: { channel: string; result: string; answer: string }[];
}

/** Device and user lookup: indexed lookups by registration id, alias or account. */
export function DevicesPage(props: { appKey: string }): View {
  const [term, setTerm] = useState('');
  const [found, setFound] = useState<{ total: number; devices: DeviceJson[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const lookup = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setFound(await api('GET', `/apps/${encodeURIComponent(props.appKey)}/devices${qs({ q: term })}`));
    } catch (err) {
      setError(err);
    }
  };
  return html`<div>
    <h1>${t('navDevices')}</h1>
    <form class="inline" role="search" onSubmit=${lookup}>
      <${Field} label=${t('lookup')} name="device-search" value=${term} onInput=${setTerm} />
      <button type="submit">${t('search')}</button>
    </form>
    <${ErrorNote} error=${error} />
    ${found
      ? html`<p>${t('devices')}: ${found.total.toLocaleString()}</p>
          <${Table}
            caption=${t('navDevices')}
            head=${['Registration ID', t('platform'), t('alias'), t('account'), t('tags'), t('lastOnline')]}
            rows=${found.devices.map((d) => [
              html`<a href=${`#/devices/${d.registration_id}`}>${d.registration_id}</a>`,
              d.platform,
              d.alias ?? '—',
              d.account ?? '—',
              d.tags.join(', '),
              formatTime(d.last_online_at),
            ])}
          />`
      : null}
  </div>`;
}

/** One device and, for each recent push, how far it got and why not further. */
export function DevicePage(props: { appKey: string; rid: string }): View {
  const data = useLoad(() => api<{ device: DeviceJson; traces: Trace[] }>('GET', `/apps/${encodeURIComponent(props.appKey)}/devices/${encodeURIComponent(props.rid)}`), [props.appKey, props.rid]);
  const d = data.data;
  if (!d) return html`<${ErrorNote} error=${data.error} />`;
  const dev = d.device;
  return html`<div>
    <h1>${dev.registration_id}</h1>
    <${Section} title=${t('navDevices')}>
      <dl class="facts">
        <dt>${t('platform')}</dt><dd>${dev.platform}</dd>
        <dt>${t('alias')}</dt><dd>${dev.alias ?? '—'}</dd>
        <dt>${t('account')}</dt><dd>${dev.account ?? '—'}</dd>
        <dt>${t('tags')}</dt><dd>${dev.tags.join(', ') || '—'}</dd>
        <dt>${t('vendorTokens')}</dt><dd>${dev.vendor_tokens.join(', ') || '—'}</dd>
        <dt>${t('created')}</dt><dd>${formatTime(dev.created_at)}</dd>
        <dt>${t('lastOnline')}</dt><dd>${formatTime(dev.last_online_at)}</dd>
      </dl>
    <//>
    <${Section} title=${t('trace')}>
      <${Table}
        caption=${t('trace')}
        head=${[t('msgId'), t('content'), t('why'), t('targeted'), t('sent'), t('received'), t('clicked'), t('vendors')]}
        rows=${d.traces.map((x) => [
          html`<a href=${`#/pushes/${x.msg_id}`}>${x.msg_id}</a>`,
          x.content ?? '',
          html`<strong>${x.state}</strong>`,
          x.targeted ? '✓' : '✗',
          x.sent ? '✓' : '✗',
          x.received ? '✓' : '✗',
          x.clicked ? '✓' : '✗',
          [
            ...Object.entries(x.vendors ?? {}).map(([k, v]) => `${k}: ${v}`),
            ...(x.vendor_answers ?? []).map((a) => `${a.channel} ${a.result}: ${a.answer}`),
          ].join('; '),
        ])}
      />
    <//>
  </div>`;
}
