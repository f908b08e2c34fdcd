import { openAdminServices } from '../../app/index.js';
import { escapeForDisplay } from '../../core/index.js';
import { print, stringOption, type Command } from '../context.js';

function parseDate(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--${name}: not a date: ${value}`);
  return date;
}

/** `moat log search [--sender S] [--recipient R] [--subject T] [--queue-id Q] [--message-id M] [--hash H] [--attachment NAME] [--client-ip IP] [--url-domain D] [--since D] [--until D] [--limit N] [--json]` */
export const logCommand: Command = async (context) => {
  const [verb, queueId] = context.args;
  if (verb !== 'search' && verb !== 'show') {
    context.io.stderr.write('usage: moat log search [--sender S] [--recipient R] [--subject T] [--queue-id Q] [--message-id M] [--hash SHA256] [--attachment NAME] [--client-ip IP] [--url-domain DOMAIN] [--since DATE] [--until DATE] [--limit N] [--json] | moat log show QUEUE_ID\n');
    return 64;
  }
  const { config } = await context.loadConfig();
  const admin = await openAdminServices(config);
  try {
    if (verb === 'show') {
      const detail = queueId === undefined ? undefined : await admin.messageLog.get(queueId);
      if (detail === undefined) {
        context.io.stderr.write(`no message ${queueId ?? ''}\n`);
        return 1;
      }
      print(context.io, JSON.stringify(detail, null, 2));
      return 0;
    }
    const query = {
      sender: stringOption(context, 'sender'),
      recipient: stringOption(context, 'recipient'),
      subject: stringOption(context, 'subject'),
      queueId: stringOption(context, 'queue-id'),
      messageId: stringOption(context, 'message-id'),
      sha256: stringOption(context, 'hash'),
      attachmentName: stringOption(context, 'attachment'),
      clientIp: stringOption(context, 'client-ip'),
      urlDomain: stringOption(context, 'url-domain'),
      since: parseDate(stringOption(context, 'since'), 'since'),
      until: parseDate(stringOption(context, 'until'), 'until'),
      limit: stringOption(context, 'limit') === undefined ? undefined : Number(stringOption(context, 'limit')),
    };
    const defined = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
    const rows = await admin.messageLog.search(defined);
    for (const row of rows) {
      print(
        context.io,
        context.options['json'] === true
          ? JSON.stringify(row)
          : `${row.receivedAt}  ${row.queueId}  ${row.action}/${row.status}  ${escapeForDisplay(row.mailFrom || '<>')} -> ${escapeForDisplay(row.recipients.join(','))}  ${escapeForDisplay(row.subject ?? '', 80)}`,
      );
    }
    if (rows.length === 0 && context.options['json'] !== true) print(context.io, 'no messages match');
    return 0;
  } finally {
    await admin.close();
  }
};
