/**
 * IOC engine: matches each artifact (MIME part or archive member, at any
 * depth) against the indicator store by hash and by name, and against the
 * hash reputation lists. Runs in the analysis workers on a store rebuilt from
 * its snapshot.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../../../core/index.js';
import type { HashReputation, IndicatorStore, IndicatorType } from '../../../intel/index.js';
import type { Engine, EngineSubject } from '../../engine.js';
import { findingBuilder } from '../../finding-table.js';
import { HASH_REPUTATION_FINDINGS, indicatorFinding, IOC_ENGINE_NAME } from './findings.js';

export interface IocEngineOptions {
  /** Allow/block lists of SHA-256; absent means no HASH_* findings. */
  readonly reputation?: HashReputation;
}

const reputationFinding = findingBuilder(IOC_ENGINE_NAME, HASH_REPUTATION_FINDINGS);

/** Creates the `ioc` engine over a store (and optional hash reputation). */
export function createIocEngine(store: IndicatorStore, options: IocEngineOptions = {}): Engine {
  const { reputation } = options;
  return {
    name: IOC_ENGINE_NAME,
    inspect(subject: EngineSubject): readonly Finding[] {
      const { artifact } = subject;
      const findings: Finding[] = [];
      // Listed-but-not-extracted members have an empty hash: nothing to match.
      if (artifact.sha256 !== '') {
        if (reputation) {
          const verdict = reputation.check(artifact.sha256);
          if (verdict === 'blocked') findings.push(reputationFinding('HASH_BLOCKLISTED', `sha256 ${artifact.sha256} is on the hash block-list`, artifact.path));
          if (verdict === 'allowed') findings.push(reputationFinding('HASH_ALLOWLISTED', `sha256 ${artifact.sha256} is on the hash allow-list`, artifact.path));
        }
        const hashes: [IndicatorType, () => string][] = [
          ['sha256', () => artifact.sha256],
          // md5/sha1 cost a pass over the content: only when some indicator could match.
          ['sha1', () => createHash('sha1').update(subject.content).digest('hex')],
          ['md5', () => createHash('md5').update(subject.content).digest('hex')],
        ];
        for (const [type, digest] of hashes) {
          if (store.count(type) === 0) continue;
          const value = digest();
          for (const hit of store.match(type, value)) findings.push(indicatorFinding('IOC_HASH_MATCH', hit, `${type} ${value}`, artifact.path));
        }
      }
      if (subject.rawName !== undefined && store.count('filename') > 0) {
        // Archive members carry their path (`dir/evil.exe`): match it whole and by its last segment.
        const base = subject.rawName.slice(Math.max(subject.rawName.lastIndexOf('/'), subject.rawName.lastIndexOf('\\')) + 1);
        const names = base === subject.rawName ? [base] : [subject.rawName, base];
        const seen = new Set<string>();
        for (const name of names) {
          for (const hit of store.match('filename', name)) {
            if (seen.has(hit.value)) continue;
            seen.add(hit.value);
            findings.push(indicatorFinding('IOC_FILENAME_MATCH', hit, 'file name', artifact.path));
          }
        }
      }
      return findings;
    },
  };
}
