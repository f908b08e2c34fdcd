/**
 * The migration list. Migrations are imported statically (not found by a
 * folder scan) so that they ship inside the compiled `dist/` and a bundle.
 * Append new ones in order; never edit or renumber a released migration.
 */
import type { Migration, MigrationProvider } from 'kysely';
import { migration0001Initial } from './0001-initial.js';
import { migration0002PolicyRevisions } from './0002-policy-revisions.js';
import { migration0003MessageUrls } from './0003-message-urls.js';
import { migration0004SenderAuth } from './0004-sender-auth.js';
import { migration0005BayesTokens } from './0005-bayes-tokens.js';
import { migration0006ClientProxy } from './0006-client-proxy.js';
import { migration0008OrganizationCountry } from './0008-organization-country.js';
import { migration0009UrlHostCollation } from './0009-url-host-collation.js';
import { migration0010SearchIndexes } from './0010-search-indexes.js';
import { migration0011QuarantineContent } from './0011-quarantine-content.js';
import { migration0012ChildReceivedAt } from './0012-child-received-at.js';
import { migration0013Access } from './0013-access.js';
import { migration0014Indicators } from './0014-indicators.js';
import { migration0015AttachmentNames } from './0015-attachment-names.js';
import { migration0016IntelFeeds } from './0016-intel-feeds.js';
import { migration0017RetroHunt } from './0017-retro-hunt.js';
import { migration0018Campaigns } from './0018-campaigns.js';
import { migration0019JobLeases } from './0019-job-leases.js';

const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': migration0001Initial,
  '0002-policy-revisions': migration0002PolicyRevisions,
  '0003-message-urls': migration0003MessageUrls,
  '0004-sender-auth': migration0004SenderAuth,
  '0005-bayes-tokens': migration0005BayesTokens,
  '0006-client-proxy': migration0006ClientProxy,
  '0008-organization-country': migration0008OrganizationCountry,
  '0009-url-host-collation': migration0009UrlHostCollation,
  '0010-search-indexes': migration0010SearchIndexes,
  '0011-quarantine-content': migration0011QuarantineContent,
  '0012-child-received-at': migration0012ChildReceivedAt,
  '0013-access': migration0013Access,
  '0014-indicators': migration0014Indicators,
  '0015-attachment-names': migration0015AttachmentNames,
  '0016-intel-feeds': migration0016IntelFeeds,
  '0017-retro-hunt': migration0017RetroHunt,
  '0018-campaigns': migration0018Campaigns,
  '0019-job-leases': migration0019JobLeases,
};

/** A Kysely migration provider over the static list. */
export function createMigrationProvider(): MigrationProvider {
  return { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) };
}
