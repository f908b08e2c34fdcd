/**
 * The demo data set: organizations, about seven months of ordinary mail and
 * the hidden campaign, with the ground truth kept beside it. Pure: the same
 * random source, organization count and end date give the same data set.
 */
import { createQueueId } from '../../core/index.js';
import { generateCampaign } from './campaign.js';
import type { DemoDraft, DemoWindow } from './compose.js';
import { generateNoise } from './noise.js';
import { generateOrganizations, MIN_DEMO_ORGANIZATIONS, targetRegionSplit } from './organizations.js';
import { createDice, type RandomSource } from './random.js';
import type { DemoDataSet, DemoMessage } from './types.js';

/** Most organizations a demo seeds: about 29 messages each gives at most ~17,200 messages (under 20,000), seeded in about 30 s on SQLite on a busy 2-core machine. */
export const MAX_DEMO_ORGANIZATIONS = 600;
/** Days of mail: about seven months, the span UNC4841 ran before it was found. */
export const DEMO_DAYS = 210;

export interface DemoOptions {
  readonly random: RandomSource;
  /** Organizations to create, MIN_DEMO_ORGANIZATIONS..MAX_DEMO_ORGANIZATIONS. */
  readonly organizations: number;
  /** The data set ends the day before this (mail of the last seven months, as a live log would hold). */
  readonly now: Date;
}

/** Generates the data set; throws RangeError for an organization count outside the bounds. */
export function generateDemoDataSet(options: DemoOptions): DemoDataSet {
  const count = options.organizations;
  if (!Number.isInteger(count) || count < MIN_DEMO_ORGANIZATIONS || count > MAX_DEMO_ORGANIZATIONS) {
    throw new RangeError(`organizations must be an integer from ${MIN_DEMO_ORGANIZATIONS} to ${MAX_DEMO_ORGANIZATIONS}`);
  }
  const dice = createDice(options.random);
  const today = Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth(), options.now.getUTCDate());
  const window: DemoWindow = { startMs: today - DEMO_DAYS * 86_400_000, days: DEMO_DAYS };
  const organizations = generateOrganizations(dice, count);
  const campaign = generateCampaign(dice, organizations, window);
  const noise = generateNoise(dice, organizations, window);
  const drafts: DemoDraft[] = [...campaign.drafts, ...noise].sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
  // Queue ids in received order, as the gateway assigns them (time, then randomness).
  const messages: DemoMessage[] = drafts.map((d) => ({ queueId: createQueueId(Date.parse(d.receivedAt), Buffer.from(dice.bytes(10))), ...d }));
  const members = messages.filter((m) => m.kind === 'campaign');
  const targets = organizations.filter((o) => o.target);
  const delivered = members.filter((m) => m.status === 'delivered').length;
  return {
    organizations,
    messages,
    truth: {
      campaignQueueIds: members.map((m) => m.queueId),
      regionOrganizations: targetRegionSplit(),
      organizations: targets.length,
      countries: new Set(targets.map((o) => o.country)).size,
      delivered,
      blocked: members.length - delivered,
      spikeDays: campaign.spikeDays,
      firstSeen: members[0]?.receivedAt ?? '',
      lastSeen: members[members.length - 1]?.receivedAt ?? '',
    },
  };
}
