/**
 * The SMTP throughput benchmark. `smtp-throughput.ts` is the `npm run bench`
 * entry point; these exports let a test or another harness drive a run.
 */
export { parseBenchArgs, USAGE } from './args.js';
export type { BenchOptions } from './args.js';
export { loadCorpusSample, toWire } from './corpus.js';
export type { CorpusMessage, CorpusSample, CorpusOptions } from './corpus.js';
export { startGatewayProcess, benchOperatorConfig } from './gateway-process.js';
export type { GatewayProcess, GatewayProcessOptions } from './gateway-process.js';
export { LoadConnection } from './load-client.js';
export { startCountingSink } from './sink.js';
export type { CountingSink, SinkKind } from './sink.js';
export { runBench } from './run-bench.js';
export type { BenchResult } from './run-bench.js';
export { formatReport } from './report.js';
