/**
 * `moat intel feeds` (the configured TAXII feeds and their stored state) and
 * `moat intel poll [NAME]` (poll now, on this machine, under the same lease a
 * running gateway takes, so the two never poll a feed together). A poll's
 * indicators are stored as `moat intel import` stores them; running gateways
 * pick them up within `intel.refreshSeconds`.
 */
import { createIntelFeeds, discoverFeeds, openAdminServices, type FeedPollResult, type FeedStatus } from '../../app/index.js';
import { MoatError } from '../../core/index.js';
import { createLogger } from '../../observability/index.js';
import { print, stringOption, type CommandContext } from '../context.js';

// sysexits(3): usage error; temporary failure (another node holds the lease: try again later).
const EX_USAGE = 64;
const EX_TEMPFAIL = 75;

function statusLine(feed: FeedStatus): string {
  const s = feed.state;
  return [
    feed.name,
    feed.enabled ? feed.url : `${feed.url} (disabled)`,
    `last poll ${s?.lastPollAt ?? 'never'}`,
    `last success ${s?.lastSuccessAt ?? 'never'}`,
    `added_after ${s?.addedAfter ?? '-'}`,
    `last ${String(s?.lastAdded ?? 0)} added ${String(s?.lastUpdated ?? 0)} updated`,
    s?.lastError === undefined ? 'ok' : `error ${s.lastError}`,
  ].join('  ');
}

function outcomeLine(result: FeedPollResult): string {
  if (result.status === 'skipped') return `${result.feed}: skipped: ${result.reason}`;
  if (result.status === 'failed') return `${result.feed}: failed ${result.code}: ${result.message} (${String(result.pages)} page(s) read, nothing stored)`;
  return `${result.feed}: ${String(result.pages)} page(s), ${String(result.objects)} object(s), ${String(result.added)} added, ${String(result.updated)} updated, ${String(result.problems)} problem(s)${result.more ? ', more pending' : ''}, ${String(result.ms)} ms`;
}

/** `moat intel feeds discover URL [--feed NAME]`: the server's API roots and collections, with that feed's credentials. */
async function discover(context: CommandContext, url: string): Promise<number> {
  const feedName = stringOption(context, 'feed');
  let feed: Parameters<typeof discoverFeeds>[1];
  if (feedName !== undefined) {
    const { config } = await context.loadConfig();
    feed = config.intel.feeds.find((f) => f.name === feedName);
    if (feed === undefined) {
      context.io.stderr.write(`moat: no feed named ${feedName} in intel.feeds\n`);
      return EX_USAGE;
    }
  }
  let found: Awaited<ReturnType<typeof discoverFeeds>>;
  try {
    found = await discoverFeeds(url, feed);
  } catch (error) {
    context.io.stderr.write(`moat: ${error instanceof MoatError ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (context.options['json'] === true) {
    print(context.io, JSON.stringify(found));
    return 0;
  }
  print(context.io, `server ${found.title ?? '(untitled)'}`);
  for (const root of found.apiRoots) {
    print(context.io, `api root ${root.url}${root.error === undefined ? '' : `  error ${root.error}`}`);
    for (const c of root.collections) print(context.io, `  ${c.url}  ${c.title}${c.canRead ? '' : '  (not readable)'}`);
  }
  return 0;
}

/** Runs `moat intel feeds` or `moat intel poll [NAME]`. */
export async function intelFeedsCommand(context: CommandContext): Promise<number> {
  const [verb, name, extra] = context.args;
  const json = context.options['json'] === true;
  if (verb === 'feeds' && name === 'discover' && extra !== undefined) return discover(context, extra);
  if ((verb === 'feeds' && name !== undefined) || extra !== undefined) {
    context.io.stderr.write('usage: moat intel feeds [--json] | moat intel feeds discover URL [--feed NAME] [--json] | moat intel poll [NAME] [--json]\n');
    return EX_USAGE;
  }
  const { config } = await context.loadConfig();
  if (name !== undefined && !config.intel.feeds.some((f) => f.name === name)) {
    context.io.stderr.write(`moat: no feed named ${name} in intel.feeds\n`);
    return EX_USAGE;
  }
  const admin = await openAdminServices(config);
  try {
    const by = context.io.env['USER'] ?? 'unknown';
    // The outcome is printed below; the poller's own log lines would only repeat it.
    const logger = createLogger({ level: 'silent', node: config.node.id });
    const feeds = createIntelFeeds({
      feeds: config.intel.feeds,
      store: admin.intelFeeds,
      storeRows: (rows) => admin.storeIndicators({ ok: true, format: 'stix', rows, problems: [] }, by),
      node: `${config.node.id}/cli`,
      logger,
    });
    if (verb === 'feeds') {
      const statuses = await feeds.status();
      for (const feed of statuses) print(context.io, json ? JSON.stringify(feed) : statusLine(feed));
      if (statuses.length === 0 && !json) print(context.io, 'no feeds configured (intel.feeds)');
      return 0;
    }
    const names = name === undefined ? config.intel.feeds.filter((f) => f.enabled).map((f) => f.name) : [name];
    if (names.length === 0) {
      print(context.io, 'no enabled feeds (intel.feeds)');
      return 0;
    }
    let code = 0;
    for (const feedName of names) {
      const polled: { result?: FeedPollResult } = {};
      // A failed poll is thrown inside the recorded run so that the audit log shows it failed, with its code.
      await admin
        .recorded('intel.feed.poll', { other: `feed:${feedName}` }, by, async () => {
          const result = await feeds.poll(feedName, { force: true, by });
          polled.result = result;
          if (result.status === 'failed') throw new MoatError(result.code, result.message);
        })
        .catch((error: unknown) => {
          if (polled.result === undefined) throw error;
        });
      const result = polled.result;
      if (result === undefined) continue;
      print(context.io, json ? JSON.stringify(result) : outcomeLine(result));
      if (!json && result.status === 'ok') for (const p of result.problemSample) context.io.stderr.write(`${feedName}: ${p.object === undefined ? '' : `${p.object}: `}${p.reason}\n`);
      if (result.status === 'failed') code = 1;
      else if (result.status === 'skipped' && code === 0) code = EX_TEMPFAIL;
    }
    return code;
  } finally {
    await admin.close();
  }
}
