/**
 * What the TAXII feed routes need from the app (src/app/intel-feeds.ts):
 * the configured feeds with their stored state, and a poll on demand.
 * Plain data only; credentials never cross this port.
 */

/** A configured feed and its last poll, as the API shows it. */
export interface FeedStatusView {
  readonly name: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly intervalSeconds: number;
  readonly state?: {
    readonly addedAfter?: string;
    readonly lastPollAt?: string;
    readonly lastSuccessAt?: string;
    readonly lastError?: string;
    readonly lastAdded: number;
    readonly lastUpdated: number;
    readonly leaseNode?: string;
    readonly leaseUntil?: string;
  };
}

/** One poll's outcome: stored, failed (nothing stored, added_after kept), or skipped (another node polls it). */
export type FeedPollView =
  | {
      readonly feed: string;
      readonly status: 'ok';
      readonly pages: number;
      readonly objects: number;
      readonly added: number;
      readonly updated: number;
      readonly problems: number;
      readonly problemSample: readonly { readonly object?: string; readonly reason: string }[];
      readonly more: boolean;
      readonly addedAfter?: string;
      readonly ms: number;
    }
  | { readonly feed: string; readonly status: 'failed'; readonly code: string; readonly message: string; readonly pages: number; readonly ms: number }
  | { readonly feed: string; readonly status: 'skipped'; readonly reason: string };

export interface FeedsPort {
  list(): Promise<readonly FeedStatusView[]>;
  /** Polls the feed now (even when not due; the lease still applies); undefined when no feed has this name. */
  poll(name: string, by: string): Promise<FeedPollView | undefined>;
}
