/**
 * `npm run bench:spam-train [-- --out rules/spam/model.bin.gz --min-count 1]`:
 * builds the shipped global Bayes model from the training 70% of the
 * SpamAssassin corpus (bench/spam-corpus.ts), tokenised by the real analysis
 * pipeline. Deterministic: the same corpus and code give the same bytes.
 * Tokens seen in fewer than `--min-count` training messages are left out (size).
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { encodeBayesModel } from '../src/spam/index.js';
import { analyzeCorpusFile, loadSplit } from './spam-corpus.js';

const USAGE = 'usage: npm run bench:spam-train -- [--out FILE (rules/spam/model.bin.gz)] [--min-count N (1)]';

async function main(): Promise<number> {
  let out = 'rules/spam/model.bin.gz';
  let minCount = 1;
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { out: { type: 'string' }, 'min-count': { type: 'string' } }, strict: true });
    out = values.out ?? out;
    minCount = Number(values['min-count'] ?? minCount);
    if (!Number.isSafeInteger(minCount) || minCount < 1 || minCount > 100) throw new Error('--min-count must be an integer from 1 to 100');
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 1;
  }
  const { train } = await loadSplit();
  const counts = new Map<string, { spam: number; ham: number }>();
  let spamMessages = 0;
  let hamMessages = 0;
  for (const file of train) {
    const { tokens } = await analyzeCorpusFile(file);
    if (file.spam) spamMessages++;
    else hamMessages++;
    for (const token of tokens) {
      const entry = counts.get(token) ?? { spam: 0, ham: 0 };
      if (file.spam) entry.spam++;
      else entry.ham++;
      counts.set(token, entry);
    }
  }
  const kept = new Map([...counts].filter(([, c]) => c.spam + c.ham >= minCount));
  const bytes = encodeBayesModel({ spamMessages, hamMessages, tokens: kept });
  await writeFile(out, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  process.stdout.write(
    `trained on ${train.length} messages (${spamMessages} spam, ${hamMessages} ham); ${counts.size} distinct tokens, ${kept.size} kept (min count ${minCount})\n` +
      `wrote ${out}: ${bytes.length} bytes, sha256 ${sha256}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`spam-train failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
