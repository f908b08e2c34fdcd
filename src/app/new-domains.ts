/**
 * "Newly seen domain": a message links to a site this installation first saw
 * in mail only days ago. Phishing sites are young, so it is a signal — a weak
 * one, since new legitimate sites exist too. It needs history: until the
 * installation has watched mail for as long as the window, every domain is
 * new and nothing is said.
 */
import type { Finding } from '../core/index.js';
import { escapeForDisplay } from '../core/index.js';
import { LINK_FINDINGS, LINKS_ENGINE } from '../analysis/index.js';
import type { SeenDomains } from '../storage/index.js';

// How long the "watching since" answer is reused; it only moves once, when the first mail arrives.
const WATCHING_SINCE_TTL_MS = 10 * 60 * 1000;
const MAX_LISTED = 3;

export interface NewDomainCheck {
  /** LINK_NEW_DOMAIN for the link domains first seen within the window (own domains excluded). */
  check(linkDomains: readonly string[]): Promise<Finding[]>;
}

export function createNewDomainCheck(options: { seen: SeenDomains; windowDays: number; own: ReadonlySet<string>; now?: () => number }): NewDomainCheck {
  const now = options.now ?? Date.now;
  const windowMs = options.windowDays * 86_400_000;
  let watching: { since: number | undefined; at: number } | undefined;

  const watchingSince = async (): Promise<number | undefined> => {
    if (watching === undefined || now() - watching.at > WATCHING_SINCE_TTL_MS) {
      const since = await options.seen.watchingSince();
      watching = { since: since === undefined ? undefined : Date.parse(since), at: now() };
    }
    return watching.since;
  };

  return {
    async check(linkDomains) {
      if (windowMs <= 0) return [];
      const candidates = linkDomains.filter((d) => !options.own.has(d));
      if (candidates.length === 0) return [];
      const since = await watchingSince();
      if (since === undefined || now() - since < windowMs) return [];
      const firstSeen = await options.seen.firstSeen(candidates);
      const fresh = candidates.filter((d) => {
        const at = firstSeen.get(d);
        return at === undefined || now() - Date.parse(at) < windowMs;
      });
      if (fresh.length === 0) return [];
      const listed = fresh.slice(0, MAX_LISTED).map((d) => escapeForDisplay(d, 100)).join(', ');
      const more = fresh.length > MAX_LISTED ? ` and ${fresh.length - MAX_LISTED} more` : '';
      const { score, severity } = LINK_FINDINGS.LINK_NEW_DOMAIN;
      return [{ engine: LINKS_ENGINE, symbol: 'LINK_NEW_DOMAIN', score, severity, detail: `links to ${listed}${more}, first seen in mail less than ${options.windowDays} days ago` }];
    },
  };
}
