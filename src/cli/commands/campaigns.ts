/**
 * `moat campaigns`: list, show and report campaigns, recluster now, and the
 * analyst's changes (rename, attribute, merge, split), each recorded in the
 * audit log as `cli:<user>` and in the campaign's history.
 */
import { writeFile } from 'node:fs/promises';
import { openAdminServices, type CampaignReport } from '../../app/index.js';
import { escapeForDisplay, MoatError } from '../../core/index.js';
import { print, stringOption, type Command, type CommandContext } from '../context.js';

const USAGE = `usage: moat campaigns list [--limit N] [--json]
       moat campaigns show ID [--json]
       moat campaigns report ID [--format text|json|csv|stix] [--out FILE]
       moat campaigns recluster [--since 90d]
       moat campaigns rename ID NAME
       moat campaigns attribute ID ACTOR        (an empty ACTOR clears it)
       moat campaigns merge INTO FROM...
       moat campaigns split ID QUEUEID...
`;

const EX_USAGE = 64;
const DAY_MS = 86_400_000;
/** Longest look-back accepted: ten years of log is more than any retention keeps. */
const MAX_SINCE_DAYS = 3650;

function parseId(text: string | undefined): number | undefined {
  const id = Number(text);
  return text !== undefined && Number.isSafeInteger(id) && id >= 1 ? id : undefined;
}

/** `90d`, `12h` or an ISO date. */
function parseSince(text: string, now: Date): Date | undefined {
  const relative = /^(\d{1,5})([dh])$/u.exec(text);
  if (relative !== null) {
    const amount = Number(relative[1]);
    const days = relative[2] === 'd' ? amount : amount / 24;
    return days > MAX_SINCE_DAYS ? undefined : new Date(now.getTime() - days * DAY_MS);
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function usage(context: CommandContext, message?: string): number {
  context.io.stderr.write(`${message === undefined ? '' : `moat: ${message}\n`}${USAGE}`);
  return EX_USAGE;
}

/** A report as text: the figures an analyst reads first. Attacker text (subjects, names) escaped for the terminal. */
function reportText(report: CampaignReport): string[] {
  const t = report.totals;
  const lines = [
    `campaign ${String(report.campaign.id)}: ${escapeForDisplay(report.campaign.name)}${report.campaign.actor === undefined ? '' : ` (actor: ${escapeForDisplay(report.campaign.actor)})`}`,
    `${String(t.messages)} messages, ${String(t.organizations)} organizations, ${String(t.recipients)} recipients, ${String(t.countries)} countries; ${String(t.delivered)} delivered, ${String(t.blocked)} blocked`,
    `seen ${report.timeline.firstSeen} .. ${report.timeline.lastSeen}`,
    `regions: ${report.regions.map((r) => `${r.region} ${(r.share * 100).toFixed(1)}% (${String(r.organizations)})`).join(', ') || 'none known'}${report.unknownCountryOrganizations > 0 ? `; ${String(report.unknownCountryOrganizations)} organization(s) without a country` : ''}`,
    'organizations:',
    ...report.organizations.map((o) => `  ${escapeForDisplay(o.name)}  ${o.country ?? '--'}  ${o.region ?? '-'}  ${String(o.messages)} msg  ${String(o.delivered)} delivered  ${String(o.blocked)} blocked`),
    `sender countries: ${report.senderCountries.map((c) => `${c.country} ${String(c.messages)}`).join(', ') || 'unknown'}`,
    'lures:',
    ...report.lures.slice(0, 10).map((l) => `  ${String(l.messages)}x  ${escapeForDisplay(l.subject, 100)}`),
    'indicators:',
    ...report.indicators.slice(0, 50).map((i) => `  ${i.type}  ${escapeForDisplay(i.value, 200)}  (${String(i.messages)})`),
  ];
  return lines;
}

export const campaignsCommand: Command = async (context) => {
  const [verb, ...rest] = context.args;
  const json = context.options['json'] === true;
  const by = context.io.env['USER'] ?? 'unknown';
  const known = ['list', 'show', 'report', 'recluster', 'rename', 'attribute', 'merge', 'split'];
  if (verb === undefined || !known.includes(verb)) return usage(context);
  const id = parseId(rest[0]);
  if (['show', 'report', 'rename', 'attribute', 'merge', 'split'].includes(verb) && id === undefined) return usage(context, `${rest[0] ?? '(none)'} is not a campaign id`);
  const format = stringOption(context, 'format') ?? (json ? 'json' : 'text');
  if (verb === 'report' && !['text', 'json', 'csv', 'stix'].includes(format)) return usage(context, `--format must be text, json, csv or stix`);
  const sinceText = stringOption(context, 'since');
  const since = sinceText === undefined ? undefined : parseSince(sinceText, new Date());
  if (sinceText !== undefined && since === undefined) return usage(context, `--since: not a duration (90d, 12h) or a date: ${sinceText}`);
  const fromIds = verb === 'merge' ? rest.slice(1).map(parseId) : [];
  if (verb === 'merge' && (fromIds.length === 0 || fromIds.some((f) => f === undefined))) return usage(context, 'merge INTO FROM...: campaign ids');
  if (verb === 'split' && rest.length < 2) return usage(context, 'split ID QUEUEID...');
  if ((verb === 'rename' && (rest[1] ?? '').trim() === '') || (verb === 'attribute' && rest[1] === undefined)) return usage(context);

  const { config } = await context.loadConfig();
  const admin = await openAdminServices(config);
  try {
    const campaigns = admin.campaigns;
    const target = { other: `campaign:${rest[0] ?? ''}` };
    const notFound = (): never => {
      throw new MoatError('CAMPAIGN_NOT_FOUND', `no campaign ${rest[0] ?? ''}`);
    };
    switch (verb) {
      case 'list': {
        const limitText = stringOption(context, 'limit');
        const limit = limitText === undefined ? 100 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1) return usage(context, '--limit must be a positive integer');
        const rows = await campaigns.list({ limit });
        for (const row of rows) {
          print(context.io, json ? JSON.stringify(row) : [String(row.id), row.status, `${String(row.messages)} msg`, `${String(row.organizations)} org`, `${String(row.countries)} countries`, row.lastSeen, escapeForDisplay(row.name, 80), row.actor === undefined ? '' : `actor ${escapeForDisplay(row.actor)}`].join('  '));
        }
        if (rows.length === 0 && !json) print(context.io, 'no campaigns');
        return 0;
      }
      case 'show': {
        const campaign = (await campaigns.get(id as number)) ?? notFound();
        const members = await campaigns.store.members(campaign.id);
        const events = await campaigns.store.events(campaign.id);
        if (json) print(context.io, JSON.stringify({ campaign, members, events }));
        else {
          print(context.io, `campaign ${String(campaign.id)} (${campaign.status}${campaign.mergedInto === undefined ? '' : ` into ${String(campaign.mergedInto)}`}): ${escapeForDisplay(campaign.name)}${campaign.actor === undefined ? '' : `, actor ${escapeForDisplay(campaign.actor)}`}`);
          print(context.io, `${String(campaign.messages)} messages, ${String(campaign.organizations)} organizations, ${campaign.firstSeen} .. ${campaign.lastSeen}`);
          for (const m of members) print(context.io, `  ${m.receivedAt}  ${m.queueId}${m.pinned ? '  pinned' : ''}  ${m.evidence.map((e) => `${e.kind}:${escapeForDisplay(e.key, 60)}`).join(' ')}`);
          for (const e of events) print(context.io, `  ${e.at}  ${e.kind}  by ${escapeForDisplay(e.by)}`);
        }
        return 0;
      }
      case 'report': {
        const out = stringOption(context, 'out');
        let text: string;
        if (format === 'csv') text = (await campaigns.exportCsv(id as number)) ?? notFound();
        else if (format === 'stix') text = `${JSON.stringify((await campaigns.exportStix(id as number)) ?? notFound(), null, 2)}\n`;
        else {
          const report = (await campaigns.report(id as number)) ?? notFound();
          text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${reportText(report).join('\n')}\n`;
        }
        if (out === undefined) context.io.stdout.write(text);
        else {
          // 0o640: a report names organizations and recipients' counts; not for every local user.
          await writeFile(out, text, { mode: 0o640 });
          print(context.io, `${out}: ${format} report of campaign ${String(id)}`);
        }
        return 0;
      }
      case 'recluster': {
        const summary = await admin.recorded('campaign.recluster', { other: 'campaigns' }, by, () => campaigns.recluster({ ...(since === undefined ? {} : { since }), by: `cli:${by}` }));
        print(context.io, json ? JSON.stringify(summary) : `${String(summary.campaigns)} campaign(s) updated, ${String(summary.created)} new, ${String(summary.members)} member(s) added, ${String(summary.removed)} removed; ${String(summary.messagesRead)} messages read${summary.capped ? ' (capped)' : ''} in ${String(summary.elapsedMs)} ms`);
        return 0;
      }
      case 'rename': {
        const record = (await admin.recorded('campaign.update', target, by, async () => (await campaigns.rename(id as number, rest.slice(1).join(' '), `cli:${by}`)) ?? notFound())) ;
        print(context.io, `campaign ${String(record.id)} renamed: ${escapeForDisplay(record.name)}`);
        return 0;
      }
      case 'attribute': {
        const actor = rest.slice(1).join(' ');
        const record = await admin.recorded('campaign.update', target, by, async () => (await campaigns.attribute(id as number, actor === '' ? undefined : actor, `cli:${by}`)) ?? notFound());
        print(context.io, `campaign ${String(record.id)} ${record.actor === undefined ? 'attribution cleared' : `attributed to ${escapeForDisplay(record.actor)}`}`);
        return 0;
      }
      case 'merge': {
        const record = await admin.recorded('campaign.merge', target, by, () => campaigns.merge(id as number, fromIds as number[], `cli:${by}`));
        print(context.io, `campaign ${String(record.id)} now has ${String(fromIds.length)} campaign(s) merged into it`);
        return 0;
      }
      case 'split': {
        const record = await admin.recorded('campaign.split', target, by, () => campaigns.split(id as number, rest.slice(1), { by: `cli:${by}` }));
        print(context.io, `${String(rest.length - 1)} member(s) split into campaign ${String(record.id)}: ${escapeForDisplay(record.name)}`);
        return 0;
      }
      default:
        return usage(context);
    }
  } finally {
    await admin.close();
  }
};
