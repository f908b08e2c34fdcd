/**
 * `npm run bench:spam-eval [-- --model rules/spam/model.bin.gz --threshold 0.99 --json]`:
 * evaluates the Bayes classifier and the content rules on the held-out 30% of
 * the SpamAssassin corpus (bench/spam-corpus.ts), each message going through
 * the real analysis pipeline (analyzeMessage, the worker's code path) and the
 * real classifier. Prints precision, recall and false-positive rate overall
 * and per group, the confusion matrix, a threshold table and the content
 * rules' hit rates. Exits 0 after a run, 1 on failure.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SPAM_FINDINGS } from '../src/analysis/engines/spam/index.js';
import { createBayesClassifier, decodeBayesModel } from '../src/spam/index.js';
import { analyzeCorpusFile, GROUPS, loadSplit } from './spam-corpus.js';
import type { SplitFile } from './spam-corpus.js';

const USAGE = 'usage: npm run bench:spam-eval -- [--model FILE (rules/spam/model.bin.gz)] [--threshold P (0.95)] [--split test|train|all (test)] [--json]';
const THRESHOLDS = [0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999];
// The default policy's quarantine threshold (config/default.yaml policy.thresholds.quarantine).
const QUARANTINE_SCORE = 15;

interface Scored {
  readonly file: SplitFile;
  readonly probability: number;
  /** Bayes finding score plus content rule scores: what policy would add up from the spam engines. */
  readonly spamScore: number;
  readonly rules: readonly string[];
}

function rate(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(2)}%`;
}

async function main(): Promise<number> {
  let modelPath = 'rules/spam/model.bin.gz';
  let threshold = 0.95;
  let split: 'test' | 'train' | 'all' = 'test';
  let json = false;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { model: { type: 'string' }, threshold: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
    });
    modelPath = values.model ?? modelPath;
    threshold = Number(values.threshold ?? threshold);
    if (!(threshold > 0 && threshold < 1)) throw new Error('--threshold must be in (0, 1)');
    const s = values.split ?? 'test';
    if (s !== 'test' && s !== 'train' && s !== 'all') throw new Error('--split must be test, train or all');
    split = s;
    json = values.json;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 1;
  }
  const modelBytes = await readFile(modelPath);
  const model = decodeBayesModel(modelBytes);
  const classifier = createBayesClassifier({ model, organizationId: 1 });
  const { train, test } = await loadSplit();
  const files = split === 'test' ? test : split === 'train' ? train : [...train, ...test];
  const scored: Scored[] = [];
  for (const file of files) {
    const { tokens, findings } = await analyzeCorpusFile(file);
    const result = await classifier.classify(tokens);
    const spamFindings = [...findings.filter((f) => f.engine === 'spam'), ...result.findings];
    scored.push({
      file,
      probability: result.probability,
      spamScore: spamFindings.reduce((sum, f) => sum + f.score, 0),
      rules: findings.filter((f) => f.engine === 'spam').map((f) => f.symbol),
    });
  }
  const at = (p: number, subset: readonly Scored[]): number => subset.filter((s) => s.probability >= p).length;
  const spam = scored.filter((s) => s.file.spam);
  const ham = scored.filter((s) => !s.file.spam);
  const tp = at(threshold, spam);
  const fp = at(threshold, ham);
  const report = {
    model: { path: modelPath, sha256: createHash('sha256').update(modelBytes).digest('hex'), spamMessages: model.spamMessages, hamMessages: model.hamMessages, tokens: model.tokens.size },
    split,
    threshold,
    confusion: { tp, fn: spam.length - tp, fp, tn: ham.length - fp },
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: spam.length === 0 ? 0 : tp / spam.length,
    falsePositiveRate: ham.length === 0 ? 0 : fp / ham.length,
    groups: GROUPS.map((group) => {
      const members = scored.filter((s) => s.file.group === group);
      return { group, messages: members.length, flagged: at(threshold, members), uncertain: members.filter((s) => s.probability > 0.01 && s.probability < threshold).length, hamBand: members.filter((s) => s.probability <= 0.01).length };
    }),
    thresholds: THRESHOLDS.map((p) => ({ threshold: p, recall: at(p, spam) / Math.max(spam.length, 1), falsePositiveRate: at(p, ham) / Math.max(ham.length, 1), falsePositives: at(p, ham) })),
    policyLevel: {
      note: `spam engines' score (Bayes band + content rules) >= ${QUARANTINE_SCORE}, the default quarantine threshold`,
      spamCaught: spam.filter((s) => s.spamScore >= QUARANTINE_SCORE).length,
      hamQuarantined: ham.filter((s) => s.spamScore >= QUARANTINE_SCORE).length,
    },
    rules: Object.keys(SPAM_FINDINGS).map((symbol) => ({
      symbol,
      ...Object.fromEntries(GROUPS.map((g) => [g, scored.filter((s) => s.file.group === g && s.rules.includes(symbol)).length])),
      ham: ham.filter((s) => s.rules.includes(symbol)).length,
      spam: spam.filter((s) => s.rules.includes(symbol)).length,
    })),
    falsePositives: ham.filter((s) => s.probability >= threshold).map((s) => ({ path: s.file.path, probability: Number(s.probability.toFixed(6)) })),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  lines.push(`model ${report.model.path} sha256 ${report.model.sha256} (${report.model.tokens} tokens; trained on ${report.model.spamMessages} spam, ${report.model.hamMessages} ham)`);
  lines.push(`split: ${split}, ${spam.length} spam, ${ham.length} ham; threshold P(spam) >= ${threshold}`);
  lines.push(`precision ${(report.precision * 100).toFixed(2)}%  recall ${rate(tp, spam.length)}  false-positive rate ${rate(fp, ham.length)} (${fp} of ${ham.length} ham)`);
  lines.push(`confusion: TP ${tp}  FN ${spam.length - tp}  FP ${fp}  TN ${ham.length - fp}`);
  lines.push('', 'group        messages  >=threshold  uncertain  <=0.01');
  for (const g of report.groups) lines.push(`${g.group.padEnd(12)} ${String(g.messages).padStart(8)}  ${`${g.flagged} (${rate(g.flagged, g.messages)})`.padStart(15)}  ${String(g.uncertain).padStart(9)}  ${String(g.hamBand).padStart(6)}`);
  lines.push('', 'threshold  recall    FP rate  (FP)');
  for (const t of report.thresholds) lines.push(`${String(t.threshold).padEnd(9)}  ${(t.recall * 100).toFixed(2).padStart(6)}%  ${(t.falsePositiveRate * 100).toFixed(2).padStart(6)}%  (${t.falsePositives})`);
  lines.push('', `policy level (${report.policyLevel.note}): spam ${rate(report.policyLevel.spamCaught, spam.length)}, ham ${rate(report.policyLevel.hamQuarantined, ham.length)} (${report.policyLevel.hamQuarantined})`);
  lines.push('', `content rules (hits)  ${GROUPS.map((g) => g.padStart(11)).join('')}   ham%    spam%`);
  for (const r of report.rules) {
    const row = r as unknown as Record<string, number | string>;
    lines.push(`${r.symbol.padEnd(22)}${GROUPS.map((g) => String(row[g]).padStart(11)).join('')}  ${rate(r.ham, ham.length).padStart(6)}  ${rate(r.spam, spam.length).padStart(6)}`);
  }
  if (report.falsePositives.length > 0) lines.push('', `false positives: ${report.falsePositives.map((f) => `${f.path} (${f.probability})`).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`spam-eval failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
