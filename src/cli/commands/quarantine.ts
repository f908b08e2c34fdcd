import { openAdminServices } from '../../app/index.js';
import { escapeForDisplay } from '../../core/index.js';
import { print, stringOption, type Command } from '../context.js';

/** `moat quarantine list|show ID|release ID [--rcpt a,b]|delete ID|confirm ID` */
export const quarantineCommand: Command = async (context) => {
  const [verb, queueId] = context.args;
  const { config } = await context.loadConfig();
  const admin = await openAdminServices(config);
  const json = context.options['json'] === true;
  const by = context.io.env['USER'] ?? 'unknown';
  try {
    switch (verb) {
      case 'list': {
        const entries = await admin.quarantine.list({ state: 'held' });
        if (entries.length === 0 && !json) print(context.io, 'quarantine is empty');
        for (const entry of entries) {
          print(context.io, json ? JSON.stringify(entry) : `${entry.queueId}  ${entry.quarantinedAt}  ${entry.size}B  ${escapeForDisplay(entry.reason, 120)}`);
        }
        return 0;
      }
      case 'show': {
        if (queueId === undefined) break;
        const held = await admin.quarantine.show(queueId);
        if (held === undefined) {
          context.io.stderr.write(`no quarantined message ${queueId}\n`);
          return 1;
        }
        const detail = await admin.messageLog.get(queueId);
        print(context.io, JSON.stringify({ quarantine: held.entry, envelope: held.meta.envelope, verdict: held.meta.verdict, message: detail }, null, 2));
        return 0;
      }
      case 'release': {
        if (queueId === undefined) break;
        const rcpt = stringOption(context, 'rcpt');
        const recipients = rcpt === undefined ? undefined : rcpt.split(',').map((r) => r.trim()).filter((r) => r !== '');
        const released = await admin.recorded('quarantine.release', { message: queueId }, by, () => admin.release(queueId, `cli:${by}`, recipients));
        print(context.io, `released ${queueId} to ${released.join(', ')}`);
        return 0;
      }
      case 'delete': {
        if (queueId === undefined) break;
        await admin.recorded('quarantine.delete', { message: queueId }, by, () => admin.quarantine.delete(queueId));
        print(context.io, `deleted ${queueId}`);
        return 0;
      }
      case 'confirm': {
        if (queueId === undefined) break;
        await admin.recorded('quarantine.confirm', { message: queueId }, by, () => admin.confirm(queueId));
        print(context.io, `confirmed ${queueId} as junk: deleted, and learnt as spam`);
        return 0;
      }
      default:
        break;
    }
    context.io.stderr.write('usage: moat quarantine list | show ID | release ID [--rcpt a@x,b@x] | delete ID | confirm ID\n');
    return 64;
  } finally {
    await admin.close();
  }
};
