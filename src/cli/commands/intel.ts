/**
 * `moat intel`: import, list and expire the indicators kept in the database.
 * Running gateways poll the store's generation every `intel.refreshSeconds`,
 * so a change made here applies there without a signal or a restart.
 */
import { openAdminServices } from '../../app/index.js';
import { MoatError } from '../../core/index.js';
import { print, stringOption, type Command } from '../context.js';
import { intelFeedsCommand } from './intel-feeds.js';
import { intelHuntCommand } from './intel-hunt.js';

const USAGE = `usage: moat intel import FILE [--source NAME] [--type T]
                                                  store a STIX 2.1 bundle or MISP events (.json), an indicator CSV (.csv)
                                                  or a plain list (.txt, .list; --type sets the type, else each is inferred)
       moat intel list [--type T] [--source S] [--active] [--limit N] [--json]
       moat intel expire ID                       retire an indicator (the row stays for the history)
       moat intel feeds [--json]                  the TAXII feeds (intel.feeds) and their last poll
       moat intel feeds discover URL [--feed NAME]  a TAXII server's API roots and collections (NAME's credentials)
       moat intel poll [NAME] [--json]            poll one or every enabled feed now; exit 1 when a poll fails
       moat intel hunt [ID...] [--indicator ID,ID] [--type T --value V] [--since 30d|ISO] [--json]
                                                  search the log (within retention) for indicators (default: every active one)
       moat intel hunts [--json]                  the retro-hunt runs, newest first
`;

// sysexits(3): the input data was incorrect in some way.
const EX_DATAERR = 65;
const DEFAULT_LIST_LIMIT = 100;

/** Organizations named in the one-line hunt summary after an import; the run itself lists them all. */
const MAX_SUMMARY_ORGANIZATIONS = 5;

/** One line: the hunt of what was just imported, those with delivered mail first (they have mail to pull back). */
function describeImportHunt(hunt: { readonly runId: number; readonly messages: number; readonly byOrganization: readonly { readonly name: string; readonly delivered: readonly unknown[]; readonly blocked: readonly unknown[] }[] }): string {
  if (hunt.messages === 0) return `retro-hunt ${String(hunt.runId)}: no logged message carries these indicators`;
  const orgs = [...hunt.byOrganization].sort((a, b) => b.delivered.length - a.delivered.length || b.blocked.length - a.blocked.length || a.name.localeCompare(b.name));
  const delivered = orgs.reduce((sum, o) => sum + o.delivered.length, 0);
  const named = orgs.slice(0, MAX_SUMMARY_ORGANIZATIONS).map((o) => `${o.name} ${String(o.delivered.length)}/${String(o.blocked.length)}`);
  const more = orgs.length > MAX_SUMMARY_ORGANIZATIONS ? `, +${String(orgs.length - MAX_SUMMARY_ORGANIZATIONS)} more` : '';
  return `retro-hunt ${String(hunt.runId)}: ${String(hunt.messages)} message(s) in ${String(orgs.length)} organization(s), ${String(delivered)} delivered (delivered/blocked: ${named.join(', ')}${more}); details: moat intel hunts, UI Retro-hunts`;
}

export const intelCommand: Command = async (context) => {
  const [verb, argument] = context.args;
  const json = context.options['json'] === true;
  if (verb === 'feeds' || verb === 'poll') return intelFeedsCommand(context);
  if (verb === 'hunt' || (verb === 'hunts' && argument === undefined)) return intelHuntCommand(context);
  if (verb === 'import' && argument !== undefined) {
    const { config } = await context.loadConfig();
    const admin = await openAdminServices(config);
    try {
      const by = context.io.env['USER'] ?? 'unknown';
      const source = stringOption(context, 'source');
      const listType = stringOption(context, 'type');
      const parsed = await admin.parseIndicatorFile(argument, { ...(source === undefined ? {} : { source }), ...(listType === undefined ? {} : { listType }) });
      // Every part not loaded is listed, good parts or not: nothing is dropped without saying so.
      for (const p of parsed.problems) context.io.stderr.write(`${argument}: ${p.object ?? (p.line === undefined ? '' : `line ${String(p.line)}`)}${p.object === undefined && p.line === undefined ? '' : ': '}${p.reason}\n`);
      if (!parsed.ok) {
        context.io.stderr.write(`moat: ${parsed.refused}\n`);
        return EX_DATAERR;
      }
      const result = await admin.recorded('indicator.import', { other: `file:${argument}` }, by, () => admin.storeIndicators(parsed, by));
      // What was stored is hunted in the log now (this process ends next; a gateway hunts what its own API stores). A failed hunt is said, never fails the import.
      const hunt = await admin.retroHunt.hunt({ indicators: parsed.rows, trigger: 'import', by: `cli:${by}` }).catch((error: unknown) => {
        context.io.stderr.write(`moat: retro-hunt failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return undefined;
      });
      if (json) {
        print(context.io, JSON.stringify({ file: argument, format: parsed.format, ...result, ...(hunt === undefined ? {} : { hunt }), problems: parsed.problems, ...(parsed.context === undefined ? {} : { context: parsed.context }), ...(parsed.counts === undefined ? {} : { counts: parsed.counts }) }));
      } else {
        print(context.io, `${argument}: ${String(result.added)} added, ${String(result.updated)} updated, ${String(parsed.problems.length)} problem(s)`);
        if (hunt !== undefined) print(context.io, describeImportHunt(hunt));
        if (parsed.counts !== undefined) print(context.io, `not loaded on purpose: ${String(parsed.counts.contextOnly)} context-only (to_ids false), ${String(parsed.counts.deleted)} deleted attribute(s)`);
        const c = parsed.context;
        if (c !== undefined) print(context.io, `context: actors [${c.threatActors.join(', ')}], campaigns [${c.campaigns.join(', ')}], malware [${c.malware.join(', ')}], ${String(c.relationships)} relationship(s) used`);
      }
      return 0;
    } finally {
      await admin.close();
    }
  }
  if (verb === 'list' && argument === undefined) {
    const { config } = await context.loadConfig();
    const admin = await openAdminServices(config);
    try {
      const type = stringOption(context, 'type');
      const source = stringOption(context, 'source');
      const limitText = stringOption(context, 'limit');
      const limit = limitText === undefined ? DEFAULT_LIST_LIMIT : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) {
        context.io.stderr.write(`moat: --limit must be a positive integer\n`);
        return 64;
      }
      const at = new Date();
      const rows = await admin.indicators.list({
        at,
        limit,
        ...(type === undefined ? {} : { type }),
        ...(source === undefined ? {} : { source }),
        ...(context.options['active'] === true ? { active: true } : {}),
      });
      for (const row of rows) {
        const active = row.expiresAt === undefined || row.expiresAt > at.toISOString();
        if (json) print(context.io, JSON.stringify({ ...row, active }));
        else print(context.io, [String(row.id), row.type, row.value, row.source, `c${String(row.confidence)}`, row.severity, active ? 'active' : `expired ${row.expiresAt ?? ''}`, row.actor ?? '-', row.campaign ?? '-', `first ${row.firstSeen}`].join('  '));
      }
      if (rows.length === 0 && !json) print(context.io, 'no indicators');
      return 0;
    } finally {
      await admin.close();
    }
  }
  if (verb === 'expire' && argument !== undefined) {
    const id = Number(argument);
    if (!Number.isSafeInteger(id) || id < 1) {
      context.io.stderr.write(`moat: ${argument} is not an indicator id\n`);
      return 64;
    }
    const { config } = await context.loadConfig();
    const admin = await openAdminServices(config);
    try {
      const by = context.io.env['USER'] ?? 'unknown';
      // Thrown inside the recorded run, so the audit log shows the attempt as failed (main prints it, exit 1).
      await admin.recorded('indicator.expire', { other: `indicator:${argument}` }, by, async () => {
        if (!(await admin.indicators.expire(id, new Date()))) throw new MoatError('INDICATOR_NOT_FOUND', `no indicator ${argument}`);
      });
      print(context.io, `indicator ${argument} expired`);
      return 0;
    } finally {
      await admin.close();
    }
  }
  context.io.stderr.write(USAGE);
  return 64;
};
