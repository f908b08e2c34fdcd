/**
 * `npm run bench:engines`: the SMTP benchmark with engines off and then on
 * (YARA with the shipped rules, the UNC4841 indicator list, ClamAV through a
 * real clamd with a synthetic database of realistic size), same mail, one
 * invocation. See docs/PERFORMANCE.md, "Engines on". Exits 0 after a complete
 * run, 1 on failure, 2 when accepted mail did not all reach the sink.
 */
import { ENGINES_USAGE, parseEnginesArgs, type EnginesBenchOptions } from './engines-args.js';
import { killRunningClamds } from './engines-clamd.js';
import { formatEnginesReport } from './engines-report.js';
import { runEnginesBench } from './engines-run.js';
import { killRunningGateways } from './gateway-process.js';

async function main(): Promise<number> {
  let options: EnginesBenchOptions;
  try {
    options = parseEnginesArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${ENGINES_USAGE}\n`);
    return 1;
  }
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`hard stop after ${options.timeoutSeconds} s`)), options.timeoutSeconds * 1000);
  const interrupt = (): void => deadline.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // Last resort if something escapes the finally blocks: never leave a gateway or clamd running.
  process.once('exit', () => {
    killRunningGateways();
    killRunningClamds();
  });
  try {
    const result = await runEnginesBench(options, deadline.signal, (line) => process.stderr.write(`bench: ${line}\n`));
    const table = formatEnginesReport(result);
    if (options.json) {
      process.stderr.write(`${table}\n`);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(`${table}\n`);
    }
    return result.steps.every((s) => s.result.endToEnd.complete) ? 0 : 2;
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
