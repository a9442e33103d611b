import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, qs } from './api.js';
import { formatTime, t } from './i18n.js';
import { ErrorNote, Field, Section, Select, Table, splitList, useLoad, type View } from './ui.js';

/** Schedules of the app, with deletion. */
export function SchedulesPage(props: { appKey: string; canSend: boolean }): View {
  const base = `/apps/${encodeURIComponent(props.appKey)}/schedules`;
  const list = useLoad(() => api<{ total: number; schedules: { schedule_id: string; name: string; enabled: boolean; trigger: unknown }[] }>('GET', base), [base]);
  const [error, setError] = useState<unknown>(null);
  return html`<div>
    <h1>${t('navSchedules')}</h1>
    <${ErrorNote} error=${list.error ?? error} />
    <${Table}
      caption=${t('navSchedules')}
      head=${['ID', t('name'), t('enabled'), t('trigger'), '']}
      rows=${(list.data?.schedules ?? []).map((s) => [
        html`<code>${s.schedule_id}</code>`,
        s.name,
        s.enabled ? t('yes') : t('no'),
        html`<code>${JSON.stringify(s.trigger)}</code>`,
        props.canSend
          ? html`<button onClick=${() => api('DELETE', `${base}/${s.schedule_id}`).then(list.reload, setError)} aria-label=${`${t('remove')} ${s.name}`}>${t('remove')}</button>`
          : '',
      ])}
    />
  </div>`;
}

/** Saved segments with their current size; new ones from tags and platforms. */
export function SegmentsPage(props: { appKey: string; canSend: boolean }): View {
  const base = `/apps/${encodeURIComponent(props.appKey)}/segments`;
  const list = useLoad(() => api<{ segments: { segment_id: string; name: string; size: number; tag?: string[] }[] }>('GET', base), [base]);
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const [error, setError] = useState<unknown>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', base, { name, tag: splitList(tags) });
      setName('');
      setTags('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return html`<div>
    <h1>${t('navSegments')}</h1>
    <${ErrorNote} error=${list.error ?? error} />
    <${Table}
      caption=${t('navSegments')}
      head=${['ID', t('name'), t('size'), '']}
      rows=${(list.data?.segments ?? []).map((s) => [
        html`<code>${s.segment_id}</code>`,
        s.name,
        s.size.toLocaleString(),
        props.canSend ? html`<button onClick=${() => api('DELETE', `${base}/${s.segment_id}`).then(list.reload, setError)} aria-label=${`${t('remove')} ${s.name}`}>${t('remove')}</button>` : '',
      ])}
    />
    ${props.canSend
      ? html`<${Section} title=${t('create')}>
          <form onSubmit=${create}>
            <div class="grid">
              <${Field} label=${t('segmentName')} value=${name} onInput=${setName} required />
              <${Field} label=${t('audienceTag')} value=${tags} onInput=${setTags} hint=${t('commaSeparated')} />
            </div>
            <button type="submit">${t('create')}</button>
          </form>
        <//>`
      : null}
  </div>`;
}

interface Sample {
  at: number;
  connections: number;
  live_pushes: number;
  pushes_accepted: number;
  http_requests: number;
}

const WINDOW = 120;

/** Live graphs of this node: connections, pushes accepted per second, HTTP requests per second. */
export function LivePage(): View {
  const el = useRef<HTMLDivElement>(null);
  const [last, setLast] = useState<Sample | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const data: number[][] = [[], [], [], []];
    let prev: Sample | null = null;
    const width = () => Math.max(280, (el.current?.clientWidth ?? 600) - 10);
    const plot = new uPlot(
      {
        width: width(),
        height: 260,
        series: [
          {},
          { label: t('connections'), stroke: '#2563eb', width: 2 },
          { label: t('pushesPerSec'), stroke: '#16a34a', width: 2, scale: 'rate' },
          { label: t('requestsPerSec'), stroke: '#d97706', width: 2, scale: 'rate' },
        ],
        axes: [{}, {}, { scale: 'rate', side: 1 }],
      },
      data as uPlot.AlignedData,
      el.current!,
    );
    const poll = async () => {
      try {
        const s = await api<Sample>('GET', '/metrics');
        if (prev) {
          const dt = Math.max(0.001, (s.at - prev.at) / 1000);
          data[0]!.push(s.at / 1000);
          data[1]!.push(s.connections);
          data[2]!.push((s.pushes_accepted - prev.pushes_accepted) / dt);
          data[3]!.push((s.http_requests - prev.http_requests) / dt);
          for (const d of data) if (d.length > WINDOW) d.shift();
          plot.setData(data as uPlot.AlignedData);
        }
        prev = s;
        setLast(s);
      } catch (err) {
        setError(err);
      }
    };
    void poll();
    const timer = setInterval(poll, 1000);
    const onResize = () => plot.setSize({ width: width(), height: 260 });
    addEventListener('resize', onResize);
    return () => {
      clearInterval(timer);
      removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, []);
  return html`<div>
    <h1>${t('navLive')}</h1>
    <${ErrorNote} error=${error} />
    <dl class="facts" aria-live="polite">
      <dt>${t('connections')}</dt><dd data-testid="connections">${last?.connections ?? '—'}</dd>
      <dt>${t('livePushes')}</dt><dd>${last?.live_pushes ?? '—'}</dd>
    </dl>
    <div ref=${el} class="chart" role="img" aria-label=${`${t('connections')}, ${t('pushesPerSec')}, ${t('requestsPerSec')}`}></div>
  </div>`;
}

interface AuditRow {
  id: number;
  at: number;
  operator: string;
  action: string;
  app_key: string | null;
  target: string | null;
  detail: string | null;
  ip: string | null;
}

/** The audit log: who did what, when; filtered and paged by the server. */
export function AuditPage(props: { appKey: string }): View {
  const [action, setAction] = useState('');
  const [operator, setOperator] = useState('');
  const [onlyApp, setOnlyApp] = useState('');
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async (before: number | null) => {
    try {
      const page = await api<{ entries: AuditRow[]; next: number | null }>('GET', '/audit' + qs({ action, operator, app: onlyApp, before }));
      setRows((r) => (before === null ? page.entries : [...r, ...page.entries]));
      setNext(page.next);
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    void load(null);
  }, []);
  return html`<div>
    <h1>${t('navAudit')}</h1>
    <form class="inline" role="search" onSubmit=${(e: Event) => {
      e.preventDefault();
      void load(null);
    }}>
      <${Field} label=${t('action')} value=${action} onInput=${setAction} />
      <${Field} label=${t('operator')} value=${operator} onInput=${setOperator} />
      <${Select} label=${t('app')} value=${onlyApp} options=${[['', '*'], ...(props.appKey ? [[props.appKey, props.appKey] as [string, string]] : [])]} onChange=${setOnlyApp} />
      <button type="submit">${t('search')}</button>
    </form>
    <${ErrorNote} error=${error} />
    <${Table}
      caption=${t('navAudit')}
      head=${[t('time'), t('operator'), t('action'), t('app'), t('target'), t('detail'), 'IP']}
      rows=${rows.map((r) => [formatTime(r.at), r.operator, html`<code>${r.action}</code>`, r.app_key ?? '', r.target ?? '', r.detail ?? '', r.ip ?? ''])}
    />
    ${next !== null ? html`<button onClick=${() => load(next)}>${t('loadMore')}</button>` : null}
  </div>`;
}

interface OperatorJson {
  name: string;
  role: string;
  apps: string[] | null;
  created_at: number;
  disabled: boolean;
}

/** Operators (admins only): create, change role and apps, disable. */
export function OperatorsPage(props: { me: string }): View {
  const list = useLoad(() => api<{ operators: OperatorJson[] }>('GET', '/operators'), []);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('viewer');
  const [apps, setApps] = useState('*');
  const [error, setError] = useState<unknown>(null);
  const run = (work: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setError(null);
    try {
      await work();
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return html`<div>
    <h1>${t('navOperators')}</h1>
    <${ErrorNote} error=${list.error ?? error} />
    <${Table}
      caption=${t('navOperators')}
      head=${[t('name'), t('role'), t('apps'), t('created'), t('disabled'), '']}
      rows=${(list.data?.operators ?? []).map((o) => [
        o.name,
        o.role,
        o.apps === null ? t('allApps') : o.apps.join(', '),
        formatTime(o.created_at),
        o.disabled ? t('yes') : t('no'),
        o.name === props.me
          ? ''
          : html`<button onClick=${run(() => api('PUT', `/operators/${encodeURIComponent(o.name)}`, { disabled: !o.disabled }))}>
              ${o.disabled ? t('enable') : t('disable')}
            </button>`,
      ])}
    />
    <${Section} title=${t('create')}>
      <form onSubmit=${run(() => api('POST', '/operators', { name, password, role, apps: apps.trim() === '*' ? '*' : splitList(apps) }))}>
        <div class="grid">
          <${Field} label=${t('name')} value=${name} onInput=${setName} required />
          <${Field} label=${t('password')} type="password" value=${password} onInput=${setPassword} autocomplete="new-password" required />
          <${Select} label=${t('role')} value=${role} options=${[['viewer', 'viewer'], ['operator', 'operator'], ['admin', 'admin']]} onChange=${setRole} />
          <${Field} label=${t('apps')} value=${apps} onInput=${setApps} hint=${t('commaSeparated')} />
        </div>
        <button type="submit">${t('create')}</button>
      </form>
    <//>
  </div>`;
}
