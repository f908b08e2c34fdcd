/**
 * The analysis pipeline for one message: MIME tree -> decoded leaf parts ->
 * artifacts (hash, detected type) -> engines -> findings. Pure and
 * single-threaded; the worker pool runs it off the main thread.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AnalysisResult, Artifact, Finding } from '../core/index.js';
import { escapeForDisplay } from '../core/index.js';
import { detectType } from './detect-type.js';
import type { DetectedType } from './detect-type.js';
import type { Engine, EngineSubject } from './engine.js';
import { createFileTypeEngine } from './engines/file-type/index.js';
import { createFindingCollector } from './finding-collector.js';
import { createPipelineFinding } from './findings.js';
import type { AnalysisLimits } from './limits.js';
import type { MimeLeaf } from './mime/index.js';
import { parseMime } from './mime/index.js';

// Engines run in this order for every artifact. ClamAV, YARA and the rest join here.
const ENGINES: readonly Engine[] = [createFileTypeEngine()];

/**
 * Analyses one raw message. Never throws on hostile content: malformed input
 * becomes findings, and an unexpected failure becomes ANALYSIS_CRASH (which
 * policy never delivers).
 */
export async function analyzeMessage(raw: Uint8Array, limits: AnalysisLimits): Promise<AnalysisResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
  if (raw.length > limits.maxMessageBytes) {
    const detail = `message of ${raw.length} bytes exceeds the analysis limit of ${limits.maxMessageBytes} bytes, not analysed`;
    return { headers: {}, artifacts: [], findings: [createPipelineFinding('ANALYSIS_TOO_LARGE', detail)], elapsedMs: elapsed() };
  }
  const collector = createFindingCollector();
  const artifacts: Artifact[] = [];
  const engineFindings: Finding[] = [];
  try {
    const { headers, leaves } = await parseMime(raw, limits, collector);
    for (const leaf of leaves) {
      const detection = await detectType(leaf.content);
      if (detection.failure !== undefined) {
        collector.add('FILETYPE_MALFORMED', `content type detection refused the content (${escapeForDisplay(detection.failure, 64)})`, leaf.path);
      }
      const artifact = buildArtifact(leaf, detection.detected);
      artifacts.push(artifact);
      const subject: EngineSubject = leaf.fileName === undefined ? { artifact, content: leaf.content } : { artifact, content: leaf.content, rawName: leaf.fileName };
      for (const engine of ENGINES) engineFindings.push(...(await runEngine(engine, subject)));
    }
    return { headers, artifacts, findings: [...collector.list(), ...engineFindings], elapsedMs: elapsed() };
  } catch (err) {
    // Not hostile input (that is handled above) but a bug or an exhausted resource: fail closed.
    const crash = createPipelineFinding('ANALYSIS_CRASH', `analysis failed: ${describeError(err)}`);
    return { headers: {}, artifacts, findings: [...collector.list(), ...engineFindings, crash], elapsedMs: elapsed() };
  }
}

function buildArtifact(leaf: MimeLeaf, detected: DetectedType | undefined): Artifact {
  return {
    path: leaf.path,
    declaredType: leaf.contentType,
    size: leaf.content.length,
    sha256: createHash('sha256').update(leaf.content).digest('hex'),
    ...(leaf.fileName === undefined ? {} : { declaredName: escapeForDisplay(leaf.fileName) }),
    ...(leaf.disposition === undefined ? {} : { disposition: leaf.disposition }),
    ...(detected === undefined ? {} : { detectedType: detected.type, detectedExtension: detected.extension }),
  };
}

/** Runs one engine; a throw becomes `<ENGINE>_FAIL` so policy sees that the engine did not answer. */
async function runEngine(engine: Engine, subject: EngineSubject): Promise<readonly Finding[]> {
  try {
    return await engine.inspect(subject);
  } catch (err) {
    return [
      {
        engine: engine.name,
        symbol: `${engine.name.toUpperCase()}_FAIL`,
        score: 0,
        severity: 'high',
        detail: `part ${subject.artifact.path}: engine failed: ${describeError(err)}`,
        artifact: subject.artifact.path,
      },
    ];
  }
}

function describeError(err: unknown): string {
  return escapeForDisplay(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 200);
}
