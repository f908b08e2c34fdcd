/**
 * `moat intel`: import, list and expire the indicators kept in the database.
 * Running gateways poll the store's generation every `intel.refreshSeconds`,
 * so a change made here applies there without a signal or a restart.
 */
import { openAdminServices } from '../../app/index.js';
import { MoatError } from '../../core/index.js';
import { print, stringOption, type Command } from '../context.js';

const USAGE = `usage: moat intel import FILE [--source NAME]   store a STIX 2.1 bundle (.json) or an indicator CSV (.csv)
       moat intel list [--type T] [--source S] [--active] [--limit N] [--json]
       moat intel expire ID                       retire an indicator (the row stays for the history)
`;

// sysexits(3): the input data was incorrect in some way.
const EX_DATAERR = 65;
const DEFAULT_LIST_LIMIT = 100;

export const intelCommand: Command = async (context) => {
  const [verb, argument] = context.args;
  const json = context.options['json'] === true;
  if (verb === 'import' && argument !== undefined) {
    const { config } = await context.loadConfig();
    const admin = await openAdminServices(config);
    try {
      const by = context.io.env['USER'] ?? 'unknown';
      const source = stringOption(context, 'source');
      const parsed = await admin.parseIndicatorFile(argument, source === undefined ? {} : { source });
      // Every part not loaded is listed, good parts or not: nothing is dropped without saying so.
      for (const p of parsed.problems) context.io.stderr.write(`${argument}: ${p.object ?? (p.line === undefined ? '' : `line ${String(p.line)}`)}${p.object === undefined && p.line === undefined ? '' : ': '}${p.reason}\n`);
      if (!parsed.ok) {
        context.io.stderr.write(`moat: ${parsed.refused}\n`);
        return EX_DATAERR;
      }
      const result = await admin.recorded('indicator.import', { other: `file:${argument}` }, by, () => admin.storeIndicators(parsed, by));
      if (json) {
        print(context.io, JSON.stringify({ file: argument, format: parsed.format, ...result, problems: parsed.problems, ...(parsed.context === undefined ? {} : { context: parsed.context }) }));
      } else {
        print(context.io, `${argument}: ${String(result.added)} added, ${String(result.updated)} updated, ${String(parsed.problems.length)} problem(s)`);
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
