import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { Check, ErrorNote, Field, Section, Select, splitList, type View } from './ui.js';

type Json = Record<string, unknown>;

/** A push handed over from another page (override), opened in the JSON editor. */
let draft: Json | null = null;
export function openDraft(push: Json): void {
  draft = push;
  location.hash = '#/compose';
}

interface Form {
  platforms: Record<'android' | 'ios' | 'hmos' | 'quickapp', boolean>;
  audienceKind: string;
  audienceValue: string;
  alert: string;
  title: string;
  androidTitle: string;
  androidPriority: string;
  androidCategory: string;
  iosSound: string;
  iosBadge: string;
  iosContentAvailable: boolean;
  iosThreadId: string;
  hmosCategory: string;
  msgContent: string;
  msgTitle: string;
  extras: string;
  ttl: string;
  apnsProduction: boolean;
  bigPushDuration: string;
  overrideMsgId: string;
}

const EMPTY: Form = {
  platforms: { android: true, ios: true, hmos: false, quickapp: false },
  audienceKind: 'tag',
  audienceValue: '',
  alert: '',
  title: '',
  androidTitle: '',
  androidPriority: '',
  androidCategory: '',
  iosSound: '',
  iosBadge: '',
  iosContentAvailable: false,
  iosThreadId: '',
  hmosCategory: '',
  msgContent: '',
  msgTitle: '',
  extras: '',
  ttl: '86400',
  apnsProduction: false,
  bigPushDuration: '',
  overrideMsgId: '',
};

function extrasOf(text: string): Json | undefined {
  const out: Json = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

/** Leaves out empty values, so the push object holds only what was filled in. */
function compact(o: Json): Json | undefined {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '' && v !== false) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/** The JPush push object the form describes. */
export function pushOf(f: Form): Json {
  const chosen = (Object.keys(f.platforms) as (keyof Form['platforms'])[]).filter((p) => f.platforms[p]);
  const platform = chosen.length === 4 ? 'all' : chosen;
  const values = splitList(f.audienceValue);
  const audience = f.audienceKind === 'all' ? 'all' : { [f.audienceKind]: values };
  const extras = extrasOf(f.extras);
  const num = (v: string) => (v.trim() === '' ? undefined : Number(v));
  const notification = f.alert
    ? compact({
        alert: f.alert,
        android: f.platforms.android
          ? compact({ alert: f.alert, title: f.androidTitle || f.title || undefined, priority: num(f.androidPriority), category: f.androidCategory || undefined, extras })
          : undefined,
        ios: f.platforms.ios
          ? compact({
              alert: f.title ? { title: f.title, body: f.alert } : f.alert,
              sound: f.iosSound || undefined,
              badge: f.iosBadge === '' ? undefined : /^[0-9]+$/.test(f.iosBadge) ? Number(f.iosBadge) : f.iosBadge,
              'content-available': f.iosContentAvailable || undefined,
              'thread-id': f.iosThreadId || undefined,
              extras,
            })
          : undefined,
        hmos: f.platforms.hmos ? compact({ alert: f.alert, title: f.title || undefined, category: f.hmosCategory || undefined, extras }) : undefined,
      })
    : undefined;
  const message = f.msgContent ? compact({ msg_content: f.msgContent, title: f.msgTitle || undefined, extras }) : undefined;
  const options = compact({
    time_to_live: num(f.ttl),
    apns_production: f.apnsProduction,
    big_push_duration: num(f.bigPushDuration),
    override_msg_id: f.overrideMsgId ? Number(f.overrideMsgId) : undefined,
  });
  return { platform, audience, ...(notification ? { notification } : {}), ...(message ? { message } : {}), ...(options ? { options } : {}) };
}

interface CheckResult {
  ok: boolean;
  audience: number | null;
  error?: { code: number; message: string };
  preview: { platforms: Json; vendors: Json } | null;
}

/** The push composer: JPush's groups of fields, live validation, preview, audience size, send or schedule. */
export function ComposePage(props: { appKey: string; canSend: boolean }): View {
  const [form, setForm] = useState<Form>(EMPTY);
  const [jsonMode, setJsonMode] = useState(draft !== null);
  const [jsonText, setJsonText] = useState(draft ? JSON.stringify(draft, null, 2) : '');
  const [check, setCheck] = useState<CheckResult | null>(null);
  const [when, setWhen] = useState('now');
  const [time, setTime] = useState('');
  const [scheduleName, setScheduleName] = useState('');
  const [result, setResult] = useState<string>('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    draft = null;
  }, []);

  const set = <K extends keyof Form>(k: K) => (v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const built = useMemo(() => pushOf(form), [form]);
  let push: unknown = built;
  let jsonError = '';
  if (jsonMode) {
    try {
      push = JSON.parse(jsonText) as unknown;
    } catch (e) {
      jsonError = (e as Error).message;
    }
  }
  const pushText = JSON.stringify(push);

  // live validation, a moment after the last keystroke
  useEffect(() => {
    if (!props.appKey || jsonError) return;
    const timer = setTimeout(() => {
      api<CheckResult>('POST', `/apps/${encodeURIComponent(props.appKey)}/push/check`, { push }).then(setCheck, (e: unknown) => setError(e));
    }, 350);
    return () => clearTimeout(timer);
  }, [pushText, props.appKey]);

  const send = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult('');
    try {
      if (when === 'later') {
        const r = await api<{ schedule_id: string }>('POST', `/apps/${encodeURIComponent(props.appKey)}/push`, {
          push,
          schedule: { name: scheduleName || 'console', time: time.replace('T', ' ') + (time.length === 16 ? ':00' : '') },
        });
        setResult(`${t('scheduled')}: ${r.schedule_id}`);
      } else {
        const r = await api<{ msg_id: string }>('POST', `/apps/${encodeURIComponent(props.appKey)}/push`, { push });
        setResult(`${t('sent')}: msg_id ${r.msg_id}`);
      }
    } catch (err) {
      setError(err);
    }
  };

  const p = form.platforms;
  return html`<form onSubmit=${send} class="compose">
    <h1>${t('navCompose')}</h1>
    <div class="compose-grid">
      <div>
        <${Check} label=${t('editJson')} checked=${jsonMode} onChange=${(v: boolean) => {
          if (v) setJsonText(JSON.stringify(built, null, 2));
          setJsonMode(v);
        }} />
        ${jsonMode
          ? html`<${Section} title=${t('rawJson')}>
              <${Field} label=${t('rawJson')} value=${jsonText} onInput=${setJsonText} multiline />
              ${jsonError ? html`<p class="error" role="alert">${jsonError}</p>` : null}
            <//>`
          : html`
              <${Section} title=${t('platform')}>
                <div class="row">
                  ${(['android', 'ios', 'hmos', 'quickapp'] as const).map(
                    (k) => html`<${Check} label=${k} checked=${p[k]} onChange=${(v: boolean) => set('platforms')({ ...p, [k]: v })} />`,
                  )}
                </div>
              <//>
              <${Section} title=${t('audience')}>
                <${Select}
                  label=${t('audience')}
                  value=${form.audienceKind}
                  options=${[
                    ['all', t('audienceAll')],
                    ['tag', t('audienceTag')],
                    ['tag_and', t('audienceTagAnd')],
                    ['tag_not', t('audienceTagNot')],
                    ['alias', t('audienceAlias')],
                    ['registration_id', t('audienceRid')],
                    ['segment', t('audienceSegment')],
                  ]}
                  onChange=${set('audienceKind')}
                />
                ${form.audienceKind !== 'all'
                  ? html`<${Field} label=${t('audienceValues')} name="audience-values" value=${form.audienceValue} onInput=${set('audienceValue')} hint=${t('commaSeparated')} />`
                  : null}
              <//>
              <${Section} title=${t('notification')}>
                <${Field} label=${t('alert')} name="alert" value=${form.alert} onInput=${set('alert')} multiline />
                <${Field} label=${t('notifTitle')} name="title" value=${form.title} onInput=${set('title')} />
                ${p.android
                  ? html`<fieldset><legend>${t('androidGroup')}</legend>
                      <div class="grid">
                        <${Field} label=${t('notifTitle')} value=${form.androidTitle} onInput=${set('androidTitle')} />
                        <${Field} label=${t('priority')} type="number" value=${form.androidPriority} onInput=${set('androidPriority')} />
                        <${Field} label=${t('category')} value=${form.androidCategory} onInput=${set('androidCategory')} />
                      </div>
                    </fieldset>`
                  : null}
                ${p.ios
                  ? html`<fieldset><legend>${t('iosGroup')}</legend>
                      <div class="grid">
                        <${Field} label=${t('sound')} value=${form.iosSound} onInput=${set('iosSound')} />
                        <${Field} label=${t('badge')} value=${form.iosBadge} onInput=${set('iosBadge')} />
                        <${Field} label=${t('threadId')} value=${form.iosThreadId} onInput=${set('iosThreadId')} />
                        <${Check} label=${t('contentAvailable')} checked=${form.iosContentAvailable} onChange=${set('iosContentAvailable')} />
                      </div>
                    </fieldset>`
                  : null}
                ${p.hmos
                  ? html`<fieldset><legend>${t('hmosGroup')}</legend>
                      <${Field} label=${t('category')} value=${form.hmosCategory} onInput=${set('hmosCategory')} />
                    </fieldset>`
                  : null}
              <//>
              <${Section} title=${t('message')}>
                <${Field} label=${t('msgContent')} value=${form.msgContent} onInput=${set('msgContent')} multiline />
                <${Field} label=${t('notifTitle')} value=${form.msgTitle} onInput=${set('msgTitle')} />
              <//>
              <${Section} title=${t('extras')}>
                <${Field} label=${t('extras')} value=${form.extras} onInput=${set('extras')} multiline />
              <//>
              <${Section} title=${t('options')}>
                <div class="grid">
                  <${Field} label=${t('timeToLive')} type="number" value=${form.ttl} onInput=${set('ttl')} />
                  <${Field} label=${t('bigPushDuration')} type="number" value=${form.bigPushDuration} onInput=${set('bigPushDuration')} />
                  <${Field} label=${t('overrideMsgId')} value=${form.overrideMsgId} onInput=${set('overrideMsgId')} />
                  <${Check} label=${t('apnsProduction')} checked=${form.apnsProduction} onChange=${set('apnsProduction')} />
                </div>
              <//>`}
        <${Section} title=${t('sendTime')}>
          <div class="row" role="radiogroup" aria-label=${t('sendTime')}>
            <label><input type="radio" name="when" value="now" checked=${when === 'now'} onChange=${() => setWhen('now')} /> ${t('sendNow')}</label>
            <label><input type="radio" name="when" value="later" checked=${when === 'later'} onChange=${() => setWhen('later')} /> ${t('sendLater')}</label>
          </div>
          ${when === 'later'
            ? html`<div class="grid">
                <${Field} label=${t('scheduleTime')} type="datetime-local" value=${time} onInput=${setTime} required />
                <${Field} label=${t('scheduleName')} value=${scheduleName} onInput=${setScheduleName} />
              </div>`
            : null}
          ${props.canSend ? html`<button type="submit" class="primary" disabled=${!check?.ok}>${when === 'later' ? t('schedule') : t('send')}</button>` : null}
          <${ErrorNote} error=${error} />
          ${result ? html`<p class="ok" role="status" data-testid="send-result">${result}</p>` : null}
        <//>
      </div>
      <aside aria-label=${t('preview')}>
        <${Section} title=${t('willReach')}>
          <div aria-live="polite" data-testid="check">
            ${check?.audience !== null && check?.audience !== undefined
              ? html`<p class="big"><span data-testid="audience">${check.audience.toLocaleString()}</span> ${t('devicesUnit')}</p>`
              : null}
            ${check?.ok ? html`<p class="ok">${t('valid')}</p>` : null}
            ${check?.error ? html`<p class="error">${check.error.code}: ${check.error.message}</p>` : null}
          </div>
        <//>
        <${Section} title=${t('preview')}>
          ${check?.preview
            ? Object.entries({ ...check.preview.platforms, ...check.preview.vendors }).map(
                ([name, body]) => html`<details><summary>${name}</summary><pre tabindex="0">${JSON.stringify(body, null, 2)}</pre></details>`,
              )
            : null}
          <details><summary>${t('rawJson')}</summary><pre tabindex="0">${JSON.stringify(push, null, 2)}</pre></details>
        <//>
      </aside>
    </div>
  </form>`;
}
