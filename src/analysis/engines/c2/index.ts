/**
 * C2 engine: mail used as a command channel to an implant (SEASPRAY name
 * triggers, SKIPJACK Content-ID blobs). See README.md and FINDINGS.md.
 */
export type { C2EngineOptions } from './engine.js';
export { createC2Engine } from './engine.js';
export type { ContentIdFacts } from './content-id.js';
export { CONTENT_ID_BLOB_MIN_RUN, contentIdFinding, examineContentId } from './content-id.js';
export type { C2Symbol } from './findings.js';
export { C2_ENGINE_NAME, CONTENT_ID_BLOB_SCORES } from './findings.js';
export type { ImplantTrigger, ImplantTriggerPack, TriggerMatch } from './implant-triggers.js';
export { compileImplantTriggerPack, loadImplantTriggerPack, shippedImplantTriggerPack, SHIPPED_TRIGGER_PACK } from './implant-triggers.js';
