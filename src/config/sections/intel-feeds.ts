/**
 * Config key `intel.feeds`: TAXII 2.1 collections every node may poll
 * (src/app/intel-feeds.ts; one node at a time per feed, by a database lease).
 * Items of a list get their defaults here, not in config/default.yaml: the
 * shipped file has no item to carry them.
 */
import { z } from 'zod';

/** The most one poll may store: one indicator upsert takes at most 100,000 rows (storage's MAX_UPSERT_ROWS). */
export const MAX_OBJECTS_PER_POLL = 100_000;
const MIB = 1024 * 1024;

const feedName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'must be 1-63 letters, digits, dot, dash or underscore');

const collectionUrl = z
  .string()
  .max(2048)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && url.pathname.endsWith('/') && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) TAXII collection URL ending with / (https://host/api-root/collections/<id>/), without credentials or query');

export const intelFeedSchema = z
  .strictObject({
    /** Names the feed in status, logs and `moat intel poll NAME`. */
    name: feedName,
    /** The collection URL (ends with `/`); objects are read from `<url>objects/`. */
    url: collectionUrl,
    /** HTTP basic authentication; give both or neither. */
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(1024).optional(),
    /** Bearer token instead of basic authentication. */
    token: z.string().min(1).max(4096).optional(),
    /** Seconds between polls (each node jitters it by ±10 %); at least a minute, feeds are not chat. */
    intervalSeconds: z.number().int().min(60).max(7 * 86_400).default(3600),
    /** Source of the stored indicators; default `taxii:<name>`. */
    source: z.string().min(1).max(200).optional(),
    /** Confidence (0-100) given to every indicator of this feed, over the objects' own. */
    confidence: z.number().int().min(0).max(100).optional(),
    /** Per request: the reply's headers and whole body. */
    timeoutSeconds: z.number().int().min(1).max(600).default(30),
    /** Body bytes per page; a bigger page is refused (FEED_TOO_LARGE), so one reply cannot exhaust memory. */
    maxBytesPerPage: z.number().int().min(1024).max(512 * MIB).default(32 * MIB),
    /** Pages read per poll; the rest is read by the next poll (added_after moves on). */
    maxPagesPerPoll: z.number().int().min(1).max(10_000).default(100),
    /** Objects asked for per page (`limit`). */
    pageSize: z.number().int().min(1).max(MAX_OBJECTS_PER_POLL).default(1000),
    /** false: kept in the status list, never polled. */
    enabled: z.boolean().default(true),
  })
  .superRefine((feed, context) => {
    if ((feed.username === undefined) !== (feed.password === undefined)) context.addIssue({ code: 'custom', path: ['password'], message: 'username and password go together' });
    if (feed.token !== undefined && feed.username !== undefined) context.addIssue({ code: 'custom', path: ['token'], message: 'use either token or username/password, not both' });
    if (feed.pageSize * feed.maxPagesPerPoll > MAX_OBJECTS_PER_POLL) {
      context.addIssue({ code: 'custom', path: ['maxPagesPerPoll'], message: `pageSize × maxPagesPerPoll must be at most ${String(MAX_OBJECTS_PER_POLL)} (objects stored by one poll)` });
    }
  });

export const intelFeedsSchema = z.array(intelFeedSchema).max(100).superRefine((feeds, context) => {
  const seen = new Set<string>();
  feeds.forEach((feed, index) => {
    const key = feed.name.toLowerCase();
    if (seen.has(key)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `feed name ${feed.name} is used twice` });
    seen.add(key);
  });
});

export type IntelFeedConfig = z.infer<typeof intelFeedSchema>;
