/**
 * `npm run bench`: SMTP throughput of a gateway process on loopback, real
 * mail in, a local sink as next hop. See docs/PERFORMANCE.md for how to read
 * the figures. Exits 0 after a complete run, 1 on failure, 2 when accepted
 * mail did not all reach the sink (that would be a bug, not a slow run).
 */
import { parseBenchArgs, USAGE } from './args.js';
import { killRunningGateways } from './gateway-process.js';
import { formatReport } from './report.js';
import { runBench } from './run-bench.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 1;
  }
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`hard stop after ${options.timeoutSeconds} s`)), options.timeoutSeconds * 1000);
  const interrupt = (): void => deadline.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // Last resort if something escapes the finally blocks: never leave a gateway running.
  process.once('exit', killRunningGateways);
  try {
    const result = await runBench(options, deadline.signal, (line) => process.stderr.write(`bench: ${line}\n`));
    const table = formatReport(result);
    if (options.json) {
      process.stderr.write(`${table}\n`);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(`${table}\n`);
    }
    return result.endToEnd.complete ? 0 : 2;
  } catch (error) {
    const reason = deadline.signal.aborted ? deadline.signal.reason : error;
    process.stderr.write(`bench failed: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    if (error instanceof Error && error !== reason) process.stderr.write(`${error.stack ?? error.message}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

process.exitCode = await main();
