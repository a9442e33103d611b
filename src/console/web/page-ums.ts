import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { formatTime, t } from './i18n.js';
import { Check, ErrorNote, Field, Section, Select, Table, splitList, useLoad, type View } from './ui.js';

interface UmsChannel {
  channel_key: string;
  name: string;
  enabled: boolean;
  owner_required: boolean;
  broadcasts_per_day: number | null;
  created_at: number;
  settings: { sensitive_words: string[]; quiet_hours: string | null; vip: boolean };
  credentials: string[];
}

/** A secret shown once, with the name of what it opens. */
export function Secret(props: { label: string; title: string; secret: string }): View {
  return html`<div class="notice" role="status">
    <p>${props.label}: <code>${props.title}</code></p>
    <p>${t('masterSecret')}: <code data-testid="secret">${props.secret}</code></p>
    <p>${t('secretOnce')}</p>
  </div>`;
}

/**
 * The UMS channels that send to an app: admins create them (the secret is shown once), rotate
 * secrets and store messaging credentials; operators open and close them and change settings.
 */
export function UmsChannels(props: { appKey: string; isAdmin: boolean; canOperate: boolean }): View {
  const base = `/apps/${encodeURIComponent(props.appKey)}/ums-channels`;
  const list = useLoad(() => api<{ channels: UmsChannel[]; messaging_kinds: string[] }>('GET', base), [props.appKey]);
  const [name, setName] = useState('');
  const [ownerRequired, setOwnerRequired] = useState(false);
  const [secret, setSecret] = useState<{ channel_key: string; master_secret: string } | null>(null);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<unknown>(null);

  const act = (work: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setError(null);
    try {
      await work();
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const channels = list.data?.channels ?? [];
  const current = channels.find((c) => c.channel_key === chosen);

  return html`<${Section} title=${t('umsChannelsTitle')}>
    <p class="muted">${t('umsChannels')}</p>
    <${ErrorNote} error=${list.error ?? error} />
    <${Table}
      caption=${t('umsChannelsTitle')}
      head=${[t('channelKey'), t('name'), t('enabled'), t('credentialsShort'), t('created'), '']}
      rows=${channels.map((c) => [
        html`<code>${c.channel_key}</code>`,
        c.name,
        c.enabled ? t('yes') : t('no'),
        c.credentials.join(', ') || '—',
        formatTime(c.created_at),
        html`<span class="actions">
          <button class="link" aria-label=${`${t('manage')} ${c.name}`} aria-expanded=${c.channel_key === chosen ? 'true' : 'false'} onClick=${() => setChosen(c.channel_key === chosen ? '' : c.channel_key)}>${t('manage')}</button>
          ${props.canOperate
            ? html`<button aria-label=${`${c.enabled ? t('disable') : t('enable')} ${c.name}`} onClick=${act(() => api('PUT', `${base}/${c.channel_key}`, { enabled: !c.enabled }))}>
                ${c.enabled ? t('disable') : t('enable')}
              </button>`
            : null}
        </span>`,
      ])}
    />
    ${props.isAdmin
      ? html`<form class="inline" aria-label=${t('umsNewChannel')} onSubmit=${act(async () => {
          setSecret(await api<{ channel_key: string; master_secret: string }>('POST', base, { name, owner_required: ownerRequired }));
          setName('');
          setOwnerRequired(false);
        })}>
          <${Field} label=${t('name')} value=${name} onInput=${setName} required />
          <${Check} label=${t('ownerRequired')} checked=${ownerRequired} onChange=${setOwnerRequired} />
          <button type="submit">${t('umsNewChannel')}</button>
        </form>`
      : null}
    ${secret ? html`<${Secret} label=${t('channelKey')} title=${secret.channel_key} secret=${secret.master_secret} />` : null}
    ${current
      ? html`<${ChannelSettings}
          key=${current.channel_key}
          base=${`${base}/${current.channel_key}`}
          channel=${current}
          kinds=${list.data?.messaging_kinds ?? []}
          isAdmin=${props.isAdmin}
          canOperate=${props.canOperate}
          onChange=${list.reload}
        />`
      : null}
  <//>`;
}

function ChannelSettings(props: { base: string; channel: UmsChannel; kinds: string[]; isAdmin: boolean; canOperate: boolean; onChange: () => void }): View {
  const c = props.channel;
  const [words, setWords] = useState(c.settings.sensitive_words.join(', '));
  const [quiet, setQuiet] = useState(c.settings.quiet_hours ?? '');
  const [vip, setVip] = useState(c.settings.vip);
  const [kind, setKind] = useState(props.kinds[0] ?? 'sms');
  const [creds, setCreds] = useState('{}');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const act = (work: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await work();
      props.onChange();
    } catch (err) {
      setError(err);
    }
  };

  return html`<div class="card" role="group" aria-label=${`${c.name} · ${c.channel_key}`}>
    <h3>${c.name} · <code>${c.channel_key}</code></h3>
    <${ErrorNote} error=${error} />
    ${props.isAdmin
      ? html`<button onClick=${act(async () => {
          if (!confirm(t('confirmRotate'))) return;
          setSecret((await api<{ master_secret: string }>('POST', `${props.base}/secret`)).master_secret);
        })}>${t('rotateSecret')}</button>`
      : null}
    ${secret ? html`<${Secret} label=${t('channelKey')} title=${c.channel_key} secret=${secret} />` : null}
    <form aria-label=${t('umsSettings')} onSubmit=${act(async () => {
      await api('PUT', `${props.base}/settings`, { sensitive_words: splitList(words), quiet_hours: quiet.trim() === '' ? null : quiet.trim(), vip });
      setSaved(true);
    })}>
      <h4>${t('umsSettings')}</h4>
      <${Field} label=${t('sensitiveWords')} value=${words} onInput=${setWords} hint=${t('sensitiveWordsHint')} multiline />
      <${Field} label=${t('quietHours')} value=${quiet} onInput=${setQuiet} hint=${t('quietHoursHint')} />
      <${Check} label=${t('vip')} checked=${vip} onChange=${setVip} />
      ${props.canOperate ? html`<button type="submit">${t('save')}</button>` : null}
      ${saved ? html`<span role="status"> ${t('stored')}</span>` : null}
    </form>
    <h4>${t('messagingCredentials')}</h4>
    <${Table}
      caption=${`${t('messagingCredentials')} · ${c.name}`}
      head=${[t('channel'), t('stored'), '']}
      rows=${c.credentials.map((k) => [
        k,
        t('yes'),
        props.isAdmin ? html`<button aria-label=${`${t('remove')} ${k}`} onClick=${act(() => api('DELETE', `${props.base}/credentials/${k}`))}>${t('remove')}</button>` : '',
      ])}
    />
    ${props.isAdmin
      ? html`<form aria-label=${t('messagingCredentials')} onSubmit=${act(async () => {
          let body: unknown;
          try {
            body = JSON.parse(creds);
          } catch (err) {
            throw new Error(`JSON: ${(err as Error).message}`);
          }
          await api('PUT', `${props.base}/credentials/${kind}`, body);
          setCreds('{}');
        })}>
          <${Select} label=${t('channel')} value=${kind} options=${props.kinds.map((k) => [k, k])} onChange=${setKind} />
          <${Field} label=${t('messagingCredentialsJson')} value=${creds} onInput=${setCreds} multiline />
          <button type="submit">${t('save')}</button>
        </form>`
      : null}
  </div>`;
}
