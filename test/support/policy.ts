/**
 * The shipped installation policy (config/default.yaml) as a literal, for policy unit tests.
 */
import type { PolicyConfig } from '../../src/config/index.js';

/** Mirrors config/default.yaml's `policy`, with a short notice. */
export const BASE_POLICY: PolicyConfig = {
  thresholds: { tag: 5, quarantine: 15, reject: 40 },
  subjectPrefix: '[SUSPICIOUS]',
  externalSubjectPrefix: '',
  symbolScores: {},
  symbolActions: {},
  criticalAction: 'quarantine',
  onEngineFailure: 'quarantine',
  engines: { clamav: { onFailure: 'defer' } },
  senders: { allow: [], deny: [], denyAction: 'reject' },
  fileTypes: { block: [], allow: [], action: 'quarantine' },
  stripAttachments: { enabled: false, notice: 'removed {name}: {reason}' },
  refreshSeconds: 2,
};
