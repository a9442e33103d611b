import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, qs } from './api.js';
import { formatTime, t } from './i18n.js';
import { Secret, UmsChannels } from './page-ums.js';
import { Check, ErrorNote, Field, Section, Select, Table, useLoad, type View } from './ui.js';

interface AppRow {
  app_key: string;
  name: string;
  created_at: number;
  devices: number;
  channels: string[];
  limits: { rate_limit: number | null; rate_window: number | null; broadcasts_per_day: number | null };
}

interface AppDetail extends Omit<AppRow, 'channels'> {
  channels: Record<string, { updated_at: number; fields: Record<string, string> }>;
  channel_kinds: string[];
  callbacks: { url: string; default: boolean; types: number }[];
  emas: { app_key: number | null; access_keys: { id: string; created_at: number; disabled: boolean }[] };
}

/** Apps: the list, a new app, and the selected app's settings (admins change them). */
export function AppsPage(props: { appKey: string; isAdmin: boolean; canOperate: boolean; onApps: () => void; onSelect: (k: string) => void }): View {
  const list = useLoad(() => api<{ apps: AppRow[] }>('GET', '/apps'), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ app_key: string; master_secret: string } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const c = await api<{ app_key: string; master_secret: string }>('POST', '/apps', { name });
      setCreated(c);
      setName('');
      list.reload();
      props.onApps();
    } catch (err) {
      setError(err);
    }
  };

  return html`<div>
    <h1>${t('navApps')}</h1>
    <${Section} title=${t('navApps')}>
      <${ErrorNote} error=${list.error} />
      <${Table}
        caption=${t('navApps')}
        head=${[t('name'), t('appKey'), t('devices'), t('vendorCredentials'), t('created')]}
        rows=${(list.data?.apps ?? []).map((a) => [
          html`<button class="link" onClick=${() => props.onSelect(a.app_key)} aria-current=${a.app_key === props.appKey ? 'true' : undefined}>${a.name}</button>`,
          html`<code>${a.app_key}</code>`,
          a.devices.toLocaleString(),
          a.channels.join(', ') || '—',
          formatTime(a.created_at),
        ])}
        empty=${t('noApps')}
      />
      ${props.isAdmin
        ? html`<form class="inline" onSubmit=${create} aria-label=${`${t('create')} ${t('app')}`}>
            <${Field} label=${t('name')} value=${name} onInput=${setName} required />
            <button type="submit">${t('create')}</button>
          </form>`
        : null}
      <${ErrorNote} error=${error} />
      ${created ? html`<${Secret} label=${t('appKey')} title=${created.app_key} secret=${created.master_secret} />` : null}
    <//>
    ${props.appKey ? html`<${AppSettings} key=${props.appKey} appKey=${props.appKey} isAdmin=${props.isAdmin} canOperate=${props.canOperate} />` : null}
  </div>`;
}

function AppSettings(props: { appKey: string; isAdmin: boolean; canOperate: boolean }): View {
  const base = `/apps/${encodeURIComponent(props.appKey)}`;
  const detail = useLoad(() => api<AppDetail>('GET', base), [props.appKey]);
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState('');
  const [limits, setLimits] = useState<Record<string, string> | null>(null);
  const [cbUrl, setCbUrl] = useState('');
  const [cbDefault, setCbDefault] = useState(false);
  const [channel, setChannel] = useState('apns');
  const [creds, setCreds] = useState('{}');
  const [accessKey, setAccessKey] = useState<{ access_key_id: string; access_key_secret: string } | null>(null);

  const act = (work: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setError(null);
    try {
      await work();
      detail.reload();
    } catch (err) {
      setError(err);
    }
  };
  const d = detail.data;
  if (!d) return html`<${ErrorNote} error=${detail.error} />`;
  const current = limits ?? {
    rate_limit: d.limits.rate_limit?.toString() ?? '',
    rate_window: d.limits.rate_window?.toString() ?? '',
    broadcasts_per_day: d.limits.broadcasts_per_day?.toString() ?? '',
  };
  const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : Number(v));
  const admin = props.isAdmin;

  return html`<div>
    <${Section} title=${`${d.name} · ${d.app_key}`}>
      <${ErrorNote} error=${error} />
      <p>${t('devices')}: ${d.devices.toLocaleString()}</p>
      ${admin
        ? html`<button onClick=${act(async () => {
            if (!confirm(t('confirmRotate'))) return;
            setSecret((await api<{ master_secret: string }>('POST', `${base}/secret`)).master_secret);
          })}>${t('rotateSecret')}</button>`
        : null}
      ${secret ? html`<${Secret} label=${t('appKey')} title=${d.app_key} secret=${secret} />` : null}
    <//>
    <${Section} title=${t('limits')}>
      <form onSubmit=${act(() =>
        api('PUT', `${base}/limits`, { rate_limit: num(current.rate_limit), rate_window: num(current.rate_window), broadcasts_per_day: num(current.broadcasts_per_day) }),
      )}>
        <div class="grid">
          ${(['rate_limit', 'rate_window', 'broadcasts_per_day'] as const).map(
            (k) => html`<${Field}
              label=${t(k === 'rate_limit' ? 'rateLimit' : k === 'rate_window' ? 'rateWindow' : 'broadcastsPerDay')}
              type="number"
              value=${current[k] ?? ''}
              hint=${t('serverDefault')}
              onInput=${(v: string) => setLimits({ ...current, [k]: v })}
            />`,
          )}
        </div>
        ${admin ? html`<button type="submit">${t('save')}</button>` : null}
      </form>
    <//>
    <${Section} title=${t('callbacks')}>
      <${Table}
        caption=${t('callbacks')}
        head=${[t('url'), t('isDefault'), '']}
        rows=${d.callbacks.map((c) => [
          c.url,
          c.default ? t('yes') : t('no'),
          admin ? html`<button onClick=${act(() => api('DELETE', `${base}/callbacks${qs({ url: c.url })}`))}>${t('remove')}</button>` : '',
        ])}
      />
      ${admin
        ? html`<form class="inline" aria-label=${`${t('create')} ${t('callbacks')}`} onSubmit=${act(async () => {
            await api('POST', `${base}/callbacks`, { url: cbUrl, default: cbDefault });
            setCbUrl('');
          })}>
            <${Field} label=${t('url')} value=${cbUrl} onInput=${setCbUrl} type="url" required />
            <${Check} label=${t('isDefault')} checked=${cbDefault} onChange=${setCbDefault} />
            <button type="submit">${t('create')}</button>
          </form>`
        : null}
    <//>
    <${Section} title=${t('vendorCredentials')}>
      <${Table}
        caption=${t('vendorCredentials')}
        head=${[t('channel'), t('detail'), t('time'), '']}
        rows=${Object.entries(d.channels).map(([c, v]) => [
          c,
          Object.entries(v.fields)
            .map(([k, f]) => `${k}: ${f}`)
            .join(' · '),
          formatTime(v.updated_at),
          admin ? html`<button onClick=${act(() => api('DELETE', `${base}/channels/${c}`))}>${t('remove')}</button>` : '',
        ])}
      />
      ${admin
        ? html`<form onSubmit=${act(() => api('PUT', `${base}/channels/${channel}`, JSON.parse(creds) as unknown))}>
            <${Select} label=${t('channel')} value=${channel} options=${d.channel_kinds.map((c) => [c, c])} onChange=${setChannel} />
            <${Field} label=${t('credentialsJson')} value=${creds} onInput=${setCreds} multiline />
            <button type="submit">${t('save')}</button>
          </form>`
        : null}
    <//>
    <${Section} title=${t('accessKeys')}>
      <p>EMAS AppKey: <code>${d.emas.app_key ?? '—'}</code></p>
      <${Table}
        caption=${t('accessKeys')}
        head=${['AccessKeyId', t('created'), t('disabled'), '']}
        rows=${d.emas.access_keys.map((k) => [
          html`<code>${k.id}</code>`,
          formatTime(k.created_at),
          k.disabled ? t('yes') : t('no'),
          admin && !k.disabled ? html`<button onClick=${act(() => api('DELETE', `${base}/accesskeys/${k.id}`))}>${t('disable')}</button>` : '',
        ])}
      />
      ${admin
        ? html`<button onClick=${act(async () => setAccessKey(await api<{ access_key_id: string; access_key_secret: string }>('POST', `${base}/accesskeys`)))}>
            ${t('newAccessKey')}
          </button>`
        : null}
      ${accessKey ? html`<${Secret} label=${t('appKey')} title=${accessKey.access_key_id} secret=${accessKey.access_key_secret} />` : null}
    <//>
    <${UmsChannels} appKey=${props.appKey} isAdmin=${admin} canOperate=${props.canOperate} />
  </div>`;
}
