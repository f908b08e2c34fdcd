/**
 * Worker entry for analysis-office-worker.test.ts: builds one hostile Office
 * fixture inside the worker (so its memory counts against the worker's
 * resourceLimits), runs the OLE dissector on it and posts the outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildMergingChainsOle, buildOle, buildVbaProject, createContext } from '../../src/analysis/documents/office/fixtures.js';
import { createOleDissector } from '../../src/analysis/documents/office/index.js';

const kind: unknown = workerData;
const content =
  kind === 'merging-chains'
    ? buildMergingChainsOle(8000, 64)
    : buildOle(buildVbaProject('VBA', [{ name: 'M', source: `Attribute VB_Name = "M"\r\n${'A'.repeat(20_000_000)}` }]));
try {
  const result = await createOleDissector().dissect({ path: '1', content }, createContext({ maxTotalBytes: 8 * 1024 * 1024, maxMemberBytes: 4 * 1024 * 1024 }));
  parentPort?.postMessage({ size: content.length, symbols: result.findings.map((f) => f.symbol) });
} catch (err) {
  parentPort?.postMessage({ size: content.length, error: err instanceof Error ? err.name : String(err) });
}
