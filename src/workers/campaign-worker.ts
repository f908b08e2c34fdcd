/**
 * Entry point of the campaign clustering thread (loaded by piscina from the
 * compiled `dist/src/workers/campaign-worker.js`, see src/app/campaigns.ts).
 * Clustering a 90-day window is seconds of CPU over up to 200,000 messages:
 * here it never stalls the gateway's event loop (SMTP replies, delivery, the
 * API). Importing it has no side effects.
 */
import { clusterCampaigns } from '../campaigns/index.js';
import type { CampaignCluster, CampaignMessage, ClusterOptions } from '../campaigns/index.js';

/** The task message src/app/campaigns.ts posts. */
export interface ClusterTask {
  readonly messages: readonly CampaignMessage[];
  readonly options: ClusterOptions;
}

/** Clusters the task's messages; an exception rejects the task and the recluster fails (campaigns stay as they were). */
export function clusterCampaignsTask(task: ClusterTask): CampaignCluster[] {
  return clusterCampaigns(task.messages, task.options);
}
