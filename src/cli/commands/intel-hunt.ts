/**
 * `moat intel hunt`: search the message log (within retention, or `--since`)
 * for indicators, record the matches and print, per organization, the
 * messages that reached mailboxes (to pull) and how many were blocked.
 * `moat intel hunts`: the runs, newest first.
 */
import { normaliseHuntIndicator, openAdminServices, type HuntSummary } from '../../app/index.js';
import { print, stringOption, type CommandContext } from '../context.js';

// sysexits(3): the input data was incorrect in some way.
const EX_DATAERR = 65;
/** Delivered messages printed per organization (with recipients and subject); `--json` has them all. */
const MAX_PRINTED_PER_ORGANIZATION = 100;
/** Ids named on one command line. */
const MAX_IDS = 1000;
const DAY_MS = 86_400_000;

/** `30d`, `12h` or an ISO 8601 time; undefined when neither. */
function parseSince(text: string, now: Date): Date | undefined {
  const relative = /^(\d{1,5})([dh])$/u.exec(text);
  if (relative !== null) return new Date(now.getTime() - Number(relative[1]) * (relative[2] === 'd' ? DAY_MS : DAY_MS / 24));
  if (!/^\d{4}-\d{2}-\d{2}/u.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

function parseIds(texts: readonly string[]): number[] | string {
  const ids: number[] = [];
  for (const text of texts.flatMap((t) => t.split(','))) {
    const id = Number(text.trim());
    if (!Number.isSafeInteger(id) || id < 1) return `${text} is not an indicator id`;
    ids.push(id);
  }
  return ids.length > MAX_IDS ? `at most ${String(MAX_IDS)} indicator ids` : ids;
}

/** `moat intel hunt ...` and `moat intel hunts`. */
export async function intelHuntCommand(context: CommandContext): Promise<number> {
  const [verb, ...rest] = context.args;
  const json = context.options['json'] === true;
  const fail = (message: string): number => {
    context.io.stderr.write(`moat: ${message}\n`);
    return EX_DATAERR;
  };
  if (verb === 'hunts') {
    const { config } = await context.loadConfig();
    const admin = await openAdminServices(config);
    try {
      const runs = await admin.retroHunt.store.list({ limit: 50 });
      for (const run of runs) {
        if (json) print(context.io, JSON.stringify(run));
        else print(context.io, [String(run.id), run.startedAt, run.trigger, run.requestedBy, `${String(run.indicators)} indicator(s)`, `${String(run.messages)} message(s)`, run.error === undefined ? `${String(run.elapsedMs ?? '-')} ms` : `failed: ${run.error}`].join('  '));
      }
      if (runs.length === 0 && !json) print(context.io, 'no hunts');
      return 0;
    } finally {
      await admin.close();
    }
  }

  const idTexts = [...rest, ...(stringOption(context, 'indicator') === undefined ? [] : [stringOption(context, 'indicator') ?? ''])];
  const ids = parseIds(idTexts);
  if (typeof ids === 'string') return fail(ids);
  const type = stringOption(context, 'type');
  const value = stringOption(context, 'value');
  if ((type === undefined) !== (value === undefined)) return fail('--type and --value go together');
  const typed = type === undefined || value === undefined ? undefined : normaliseHuntIndicator(type, value);
  if (typeof typed === 'string') return fail(typed);
  const sinceText = stringOption(context, 'since');
  const since = sinceText === undefined ? undefined : parseSince(sinceText, new Date());
  if (sinceText !== undefined && since === undefined) return fail(`--since ${sinceText} is neither a duration (30d, 12h) nor an ISO 8601 time`);

  const { config } = await context.loadConfig();
  const admin = await openAdminServices(config);
  try {
    const by = context.io.env['USER'] ?? 'unknown';
    const all = ids.length === 0 && typed === undefined;
    const summary: HuntSummary = await admin.recorded('intel.hunt', { other: all ? 'indicators:active' : `indicators:${String(ids.length + (typed === undefined ? 0 : 1))}` }, by, () =>
      admin.retroHunt.hunt({
        trigger: 'cli',
        by: `cli:${by}`,
        ...(all ? { allActive: true } : {}),
        ...(ids.length === 0 ? {} : { indicatorIds: ids }),
        ...(typed === undefined ? {} : { indicators: [typed] }),
        ...(since === undefined ? {} : { since }),
      }),
    );
    if (json) {
      print(context.io, JSON.stringify(summary));
      return 0;
    }
    print(context.io, `hunt ${String(summary.runId)}: ${String(summary.indicators)} indicator(s) since ${summary.since}, ${String(summary.messages)} message(s), ${String(summary.newMatches)} new match(es), ${String(summary.elapsedMs)} ms`);
    for (const n of summary.notHuntable) print(context.io, `  ${n.type}: ${String(n.count)} ${n.reason}`);
    for (const t of summary.truncated) print(context.io, `  ${t.type} ${t.value}: more messages in ${t.field} than kept (the newest are listed)`);
    if (summary.messages === 0) {
      print(context.io, 'no matches');
      return 0;
    }
    for (const org of summary.byOrganization) {
      print(context.io, `${org.name}: ${String(org.delivered.length)} delivered, ${String(org.blocked.length)} blocked${org.truncated === true ? ' (lists cut; see moat intel hunts --json)' : ''}`);
      for (const queueId of org.delivered.slice(0, MAX_PRINTED_PER_ORGANIZATION)) {
        const message = await admin.messageLog.get(queueId);
        const recipients = message?.recipients.map((r) => r.recipient).join(',') ?? '-';
        print(context.io, `  delivered  ${queueId}  ${message?.receivedAt ?? '-'}  ${recipients}  ${message?.subject ?? ''}`);
      }
      if (org.delivered.length > MAX_PRINTED_PER_ORGANIZATION) print(context.io, `  ... ${String(org.delivered.length - MAX_PRINTED_PER_ORGANIZATION)} more (--json lists them)`);
    }
    return 0;
  } finally {
    await admin.close();
  }
}
