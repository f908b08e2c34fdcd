/**
 * `moat demo`: generates the data set, seeds the configured database, runs
 * the campaign clustering and finds the hidden campaign again, for the
 * summary the command prints (and the integration test measures).
 */
import type { Logger } from 'pino';
import type { MoatConfig } from '../../config/index.js';
import { MoatError } from '../../core/index.js';
import type { CampaignReport } from '../../campaigns/index.js';
import { createCampaignService, loadCountryLookup, type CampaignService } from '../campaigns.js';
import { openStorage } from '../storage.js';
import { generateDemoDataSet, DEMO_DAYS } from './generate.js';
import { createSeededRandom } from './random.js';
import type { DemoDataSet } from './types.js';
import { writeDemoDataSet } from './write.js';

export interface DemoRunOptions {
  readonly config: MoatConfig;
  readonly logger: Logger;
  readonly seed: number;
  readonly organizations: number;
  /** Seed even when the database already holds mail. */
  readonly force?: boolean;
  readonly now?: Date;
  readonly onProgress?: (written: number, total: number) => void;
  /** The data set to seed (default: generated from seed, organizations and now). */
  readonly data?: DemoDataSet;
}

/** How well the campaign with the most of the hidden campaign's members recovers it. */
export interface HiddenCampaignMatch {
  readonly campaignId: number;
  readonly name: string;
  readonly members: number;
  readonly found: number;
  readonly precision: number;
  readonly recall: number;
  /** The most hidden members any other campaign holds. */
  readonly strayMax: number;
  readonly report?: CampaignReport;
}

export interface DemoRunSummary {
  readonly data: DemoDataSet;
  readonly organizations: number;
  readonly countries: number;
  readonly messages: number;
  readonly campaigns: number;
  readonly seedMs: number;
  readonly reclusterMs: number;
  readonly hidden?: HiddenCampaignMatch;
}

/** Compares every campaign's members with the ground truth; the best overlap is the found campaign. */
export async function matchHiddenCampaign(service: CampaignService, truth: readonly string[]): Promise<HiddenCampaignMatch | undefined> {
  const wanted = new Set(truth);
  const campaigns = await service.list({ limit: 1000 });
  let best: { id: number; name: string; members: number; found: number } | undefined;
  let strayMax = 0;
  const overlaps: { id: number; found: number }[] = [];
  for (const campaign of campaigns) {
    if (campaign.status !== 'active') continue;
    const members = await service.store.members(campaign.id);
    const found = members.filter((m) => wanted.has(m.queueId)).length;
    overlaps.push({ id: campaign.id, found });
    if (best === undefined || found > best.found) best = { id: campaign.id, name: campaign.name, members: members.length, found };
  }
  if (best === undefined || best.found === 0) return undefined;
  const bestId = best.id;
  for (const o of overlaps) if (o.id !== bestId) strayMax = Math.max(strayMax, o.found);
  const report = await service.report(bestId);
  return {
    campaignId: bestId,
    name: best.name,
    members: best.members,
    found: best.found,
    precision: best.found / best.members,
    recall: best.found / wanted.size,
    strayMax,
    ...(report === undefined ? {} : { report }),
  };
}

/** Seeds the demo into the configured storage and reclusters; refuses a database with mail unless `force`. */
export async function runDemo(options: DemoRunOptions): Promise<DemoRunSummary> {
  const now = options.now ?? new Date();
  const storage = await openStorage(options.config, options.logger);
  try {
    const existing = await storage.db.selectFrom('messages').select('queue_id').limit(1).executeTakeFirst();
    if (existing !== undefined && options.force !== true) {
      throw new MoatError('DEMO_DATA_EXISTS', 'the database already holds mail; the demo seeds only an empty one (use another --data-dir, or --force to add the demo anyway)');
    }
    const data = options.data ?? generateDemoDataSet({ random: createSeededRandom(options.seed), organizations: options.organizations, now });
    const seedStarted = performance.now();
    const written = await writeDemoDataSet(storage.db, data, { nodeId: options.config.node.id, now, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
    const seedMs = performance.now() - seedStarted;
    const service = createCampaignService({ db: storage.db, logger: options.logger, geo: loadCountryLookup(options.config), config: options.config, now: () => now });
    const reclusterStarted = performance.now();
    const summary = await service.recluster({ since: new Date(now.getTime() - (DEMO_DAYS + 2) * 86_400_000), by: 'demo' });
    const reclusterMs = performance.now() - reclusterStarted;
    const hidden = await matchHiddenCampaign(service, data.truth.campaignQueueIds);
    return {
      data,
      organizations: written.organizations,
      countries: new Set(data.organizations.map((o) => o.country)).size,
      messages: written.messages,
      campaigns: summary.campaigns,
      seedMs,
      reclusterMs,
      ...(hidden === undefined ? {} : { hidden }),
    };
  } finally {
    await storage.close();
  }
}
