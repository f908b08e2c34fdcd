/**
 * C2 engine: signs that a message is a command to an implant on a mail
 * gateway (THREAT.md (c), (f) 5). Per artifact: the declared or member name
 * against the implant trigger pack (SEASPRAY), and the part's Content-ID
 * against the SKIPJACK blob shape. HELO/EHLO is judged at the SMTP layer
 * (src/smtp/helo-check.ts), where the envelope is.
 */
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import type { Engine, EngineSubject } from '../../engine.js';
import { contentIdFinding } from './content-id.js';
import { C2_ENGINE_NAME, severityOfTriggerScore } from './findings.js';
import type { ImplantTriggerPack } from './implant-triggers.js';
import { shippedImplantTriggerPack } from './implant-triggers.js';

export interface C2EngineOptions {
  /** Trigger pack; the shipped rules/implant-triggers.yaml (loaded once per thread) when absent. */
  readonly triggers?: ImplantTriggerPack;
}

/**
 * The Content-ID of the part, raw, once the pipeline passes it (MimeLeaf /
 * EngineSubject `contentId`). Read defensively so this engine works both
 * before and after that field exists on EngineSubject.
 */
function contentIdOf(subject: EngineSubject): string | undefined {
  const value: unknown = (subject as EngineSubject & { readonly contentId?: unknown }).contentId;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Creates the C2 engine. Loads the shipped trigger pack now (not on the first
 * message), so a broken pack fails when the worker starts, loudly.
 */
export function createC2Engine(options: C2EngineOptions = {}): Engine {
  const triggers = options.triggers ?? shippedImplantTriggerPack();
  return {
    name: C2_ENGINE_NAME,
    inspect(subject) {
      const { artifact, rawName } = subject;
      const findings: Finding[] = [];
      if (rawName !== undefined) {
        for (const { trigger } of triggers.match(rawName)) {
          findings.push({
            engine: C2_ENGINE_NAME,
            symbol: 'ATTACHMENT_IMPLANT_TRIGGER',
            score: trigger.score,
            severity: severityOfTriggerScore(trigger.score),
            detail: `part ${artifact.path}: name "${escapeForDisplay(rawName)}" carries the ${escapeForDisplay(trigger.family, 64)} implant trigger ${trigger.id}`,
            artifact: artifact.path,
          });
        }
      }
      const contentId = contentIdOf(subject);
      const blob = contentId === undefined ? undefined : contentIdFinding(contentId, artifact.path);
      if (blob !== undefined) findings.push(blob);
      return findings;
    },
  };
}
