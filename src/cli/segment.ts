import { abTestJson, createAbTest, createSegment, deleteAbTest, deleteSegment, segmentJson } from '../audience/segment-admin.js';
import { parseAbTestBody, parseSegmentBody } from '../domain/segment.js';
import { ApiError } from '../domain/errors.js';
import { openStore } from '../node.js';
import { UsageError, configFrom, parse, stringFlag } from './args.js';

export const SEGMENT_USAGE = `borealis segment create APP_KEY --name NAME [--tag T]... [--tag-and T]... [--tag-not T]...
                        [--platform P]... [--active-days N]
borealis segment list APP_KEY [--json]
borealis segment delete APP_KEY SEGMENT_ID
  (a segment is a saved audience: any of --tag, all of --tag-and, none of --tag-not, on the
   platforms given (default all), connected in the last N days; push with
   "audience":{"segment":["SEGMENT_ID"]})
borealis abtest create APP_KEY --name NAME [--segment SEGMENT_ID] --group NAME:PERCENT --group NAME:PERCENT...
borealis abtest list APP_KEY [--json]
borealis abtest delete APP_KEY ABTEST_ID
  (splits the segment, or every device of the app, into fixed groups; push with
   "audience":{"abtest":["ABTEST_ID"]} for every group or ["ABTEST_ID:GROUP"] for one)`;

const OPTIONS = {
  name: { type: 'string' },
  json: { type: 'boolean' },
  tag: { type: 'string', multiple: true },
  'tag-and': { type: 'string', multiple: true },
  'tag-not': { type: 'string', multiple: true },
  platform: { type: 'string', multiple: true },
  'active-days': { type: 'string' },
  segment: { type: 'string' },
  group: { type: 'string', multiple: true },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

/** `borealis segment ...` and `borealis abtest ...`: the same rules as /v3/segments and /v3/abtests. */
export async function segmentCommand(kind: 'segment' | 'abtest', args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values: parsed, positionals } = parse(rest, OPTIONS);
  const values = parsed as Values;
  if (values.help || sub === undefined || sub === 'help') {
    console.log(SEGMENT_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const appKey = positionals[0];
  if (!appKey) throw new UsageError(`${kind} ${sub} needs APP_KEY`);
  const store = openStore(configFrom(parsed));
  try {
    if (!(await store.apps.get(appKey))) {
      console.error(`no app ${appKey}`);
      return 1;
    }
    const seg = store.segments;
    switch (`${kind} ${sub}`) {
      case 'segment create': {
        const body: Record<string, unknown> = { name: stringFlag(parsed, 'name') };
        const list = (flag: string) => (Array.isArray(values[flag]) ? (values[flag] as string[]) : undefined);
        if (list('tag')) body.tag = list('tag');
        if (list('tag-and')) body.tag_and = list('tag-and');
        if (list('tag-not')) body.tag_not = list('tag-not');
        if (list('platform')) body.platform = list('platform');
        const days = stringFlag(parsed, 'active-days');
        if (days !== undefined) body.active_days = /^[0-9]{1,6}$/.test(days) ? Number(days) : days;
        const { name, definition } = parseSegmentBody(body);
        console.log(JSON.stringify(segmentJson(await createSegment(seg, appKey, name, definition))));
        return 0;
      }
      case 'abtest create': {
        const groups = (Array.isArray(values.group) ? values.group : []).map((g) => {
          const m = /^([^:]+):([0-9]{1,3})$/.exec(g);
          if (!m) throw new UsageError(`--group takes NAME:PERCENT, not ${g}`);
          return { name: m[1], percent: Number(m[2]) };
        });
        const segmentId = stringFlag(parsed, 'segment');
        const body = { name: stringFlag(parsed, 'name'), groups, ...(segmentId !== undefined ? { segment_id: segmentId } : {}) };
        const { name, definition } = parseAbTestBody(body);
        console.log(JSON.stringify(abTestJson(await createAbTest(seg, appKey, name, definition))));
        return 0;
      }
      case 'segment list':
      case 'abtest list': {
        const rows = kind === 'segment' ? (await seg.listSegments(appKey)).map(segmentJson) : (await seg.listAbTests(appKey)).map(abTestJson);
        if (values.json) console.log(JSON.stringify(rows));
        else if (rows.length === 0) console.log(`no ${kind}s`);
        else for (const r of rows) console.log(`${String(r.segment_id ?? r.abtest_id)}  ${String(r.created_at)}  ${String(r.name)}`);
        return 0;
      }
      case 'segment delete':
      case 'abtest delete': {
        const id = positionals[1];
        if (!id) throw new UsageError(`${kind} delete needs APP_KEY and an id`);
        if (kind === 'segment') await deleteSegment(seg, appKey, id);
        else await deleteAbTest(seg, appKey, id);
        console.log(JSON.stringify({ deleted: id }));
        return 0;
      }
      default:
        throw new UsageError(`unknown ${kind} command: ${sub}\n${SEGMENT_USAGE}`);
    }
  } catch (err) {
    // the API's validation messages read as usage errors here
    if (err instanceof ApiError) throw new UsageError(err.message);
    throw err;
  } finally {
    await store.close();
  }
}
