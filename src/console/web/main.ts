import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrf, whenSignedOut } from './api.js';
import { currentLang, setLang, t, type TextKey } from './i18n.js';
import { AppsPage } from './page-apps.js';
import { AuditPage, LivePage, OperatorsPage, SchedulesPage, SegmentsPage } from './page-admin.js';
import { ComposePage } from './page-compose.js';
import { DevicePage, DevicesPage } from './page-devices.js';
import { PushDetailPage, PushesPage } from './page-pushes.js';
import { ErrorNote, Field, Select, type View } from './ui.js';

interface Operator {
  name: string;
  role: 'viewer' | 'operator' | 'admin';
  apps: string[] | null;
}

const NAV: [string, TextKey, boolean][] = [
  ['apps', 'navApps', false],
  ['compose', 'navCompose', true],
  ['pushes', 'navPushes', true],
  ['devices', 'navDevices', true],
  ['schedules', 'navSchedules', true],
  ['segments', 'navSegments', true],
  ['live', 'navLive', false],
  ['audit', 'navAudit', false],
  ['operators', 'navOperators', false],
];

function useHash(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parts;
}

function Login(props: { onSignedIn: (o: Operator) => void }): View {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api<{ operator: Operator; csrf: string }>('POST', '/login', { name, password });
      setCsrf(r.csrf);
      props.onSignedIn(r.operator);
    } catch (err) {
      setError(err);
    }
  };
  return html`<main id="main" class="login">
    <form onSubmit=${submit} class="card">
      <h1>${t('title')}</h1>
      <${Field} label=${t('name')} name="username" value=${name} onInput=${setName} autocomplete="username" required />
      <${Field} label=${t('password')} name="password" type="password" value=${password} onInput=${setPassword} autocomplete="current-password" required />
      <${ErrorNote} error=${error} />
      <button type="submit" class="primary">${t('signIn')}</button>
      <${LangSwitch} />
    </form>
  </main>`;
}

function LangSwitch(): View {
  const [, redraw] = useState(0);
  return html`<${Select}
    label=${t('language')}
    value=${currentLang()}
    options=${[
      ['en', 'English'],
      ['zh', '中文'],
    ]}
    onChange=${(v: string) => {
      setLang(v as 'en' | 'zh');
      redraw((n) => n + 1);
      dispatchEvent(new Event('langchange'));
    }}
  />`;
}

function Shell(props: { me: Operator; onSignOut: () => void }): View {
  const [page = 'apps', arg] = useHash();
  const [apps, setApps] = useState<{ app_key: string; name: string }[]>([]);
  const [appKey, setAppKey] = useState(localStorage.getItem('borealis.app') ?? '');
  const [appsTick, setAppsTick] = useState(0);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<{ apps: { app_key: string; name: string }[] }>('GET', '/apps').then((r) => {
      setApps(r.apps);
      if (!r.apps.some((a) => a.app_key === appKey) && r.apps[0]) choose(r.apps[0].app_key);
    }, setError);
  }, [appsTick]);
  const choose = (k: string) => {
    setAppKey(k);
    localStorage.setItem('borealis.app', k);
  };
  const canSend = props.me.role !== 'viewer';
  const isAdmin = props.me.role === 'admin';
  const signOut = async () => {
    await api('POST', '/logout').catch(() => {});
    props.onSignOut();
  };

  let body: View;
  if (!appKey && page !== 'apps' && page !== 'audit' && page !== 'operators' && page !== 'live') body = html`<p>${t('noApps')}</p>`;
  else if (page === 'compose') body = html`<${ComposePage} key=${appKey} appKey=${appKey} canSend=${canSend} />`;
  else if (page === 'pushes' && arg) body = html`<${PushDetailPage} key=${arg} appKey=${appKey} msgId=${arg} canSend=${canSend} />`;
  else if (page === 'pushes') body = html`<${PushesPage} appKey=${appKey} />`;
  else if (page === 'devices' && arg) body = html`<${DevicePage} appKey=${appKey} rid=${arg} />`;
  else if (page === 'devices') body = html`<${DevicesPage} appKey=${appKey} />`;
  else if (page === 'schedules') body = html`<${SchedulesPage} appKey=${appKey} canSend=${canSend} />`;
  else if (page === 'segments') body = html`<${SegmentsPage} appKey=${appKey} canSend=${canSend} />`;
  else if (page === 'live') body = html`<${LivePage} />`;
  else if (page === 'audit') body = html`<${AuditPage} appKey=${appKey} />`;
  else if (page === 'operators' && isAdmin) body = html`<${OperatorsPage} me=${props.me.name} />`;
  else body = html`<${AppsPage} appKey=${appKey} isAdmin=${isAdmin} canOperate=${canSend} onApps=${() => setAppsTick((n) => n + 1)} onSelect=${choose} />`;

  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e: Event) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>${t('skipToMain')}</a>
    <header>
      <strong class="brand">${t('title')}</strong>
      <${Select}
        label=${t('app')}
        value=${appKey}
        options=${apps.map((a) => [a.app_key, `${a.name} (${a.app_key})`] as [string, string])}
        onChange=${choose}
      />
      <span class="who">${props.me.name} · ${props.me.role}</span>
      <${LangSwitch} />
      <button onClick=${signOut}>${t('signOut')}</button>
    </header>
    <nav aria-label=${t('menu')}>
      <ul>
        ${NAV.filter(([id]) => id !== 'operators' || isAdmin).map(
          ([id, label]) => html`<li><a href=${`#/${id}`} aria-current=${page === id ? 'page' : undefined}>${t(label)}</a></li>`,
        )}
      </ul>
    </nav>
    <main id="main" tabindex="-1">
      <${ErrorNote} error=${error} />
      ${body}
    </main>
  </div>`;
}

function Console(): View {
  const [me, setMe] = useState<Operator | null | undefined>(undefined);
  const [, redraw] = useState(0);
  useEffect(() => {
    whenSignedOut(() => setMe(null));
    const onLang = () => redraw((n) => n + 1);
    addEventListener('langchange', onLang);
    api<{ operator: Operator; csrf: string }>('GET', '/session').then(
      (r) => {
        setCsrf(r.csrf);
        setMe(r.operator);
      },
      () => setMe(null),
    );
    return () => removeEventListener('langchange', onLang);
  }, []);
  if (me === undefined) return html`<p>${t('loading')}</p>`;
  if (me === null) return html`<${Login} onSignedIn=${setMe} />`;
  return html`<${Shell} me=${me} onSignOut=${() => setMe(null)} />`;
}

setLang(currentLang());
render(html`<${Console} />`, document.getElementById('console')!);
