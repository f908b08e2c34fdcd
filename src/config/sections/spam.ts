/**
 * Config section `spam`: the Bayes classifier (src/spam) and where its
 * per-organization training lives. The defaults are the plain values in
 * `SPAM_DEFAULTS`, mirrored with comments in config/default.yaml. The worker's
 * tokeniser and content rules (src/analysis/engines/spam) need no config: their
 * bounds are fixed in code and their scores are policy's (symbolScores).
 */
import { z } from 'zod';

const probability = z.number().min(0).max(1);
const severity = z.enum(['info', 'low', 'medium', 'high', 'critical']);

const bandSchema = z
  .strictObject({
    /** BAYES_SPAM: probability >= min; BAYES_HAM: probability <= max. */
    symbol: z.enum(['BAYES_SPAM', 'BAYES_HAM']),
    min: probability.optional(),
    max: probability.optional(),
    /** Score of the finding in this band. */
    score: z.number().min(-100).max(1000),
    severity,
  })
  .refine((b) => (b.symbol === 'BAYES_SPAM' ? b.min !== undefined && b.max === undefined : b.max !== undefined && b.min === undefined), 'BAYES_SPAM bands take min, BAYES_HAM bands take max');

export const spamSchema = z.strictObject({
  /** Classify every analysed message (BAYES_SPAM / BAYES_HAM findings). */
  enabled: z.boolean(),
  /** The global model, built by `npm run bench:spam-train`; relative to the install directory. */
  model: z.string().min(1),
  /** Where per-organization training is kept: `database` (bayes_tokens tables), `memory` (lost on restart), `none`. */
  store: z.enum(['database', 'memory', 'none']),
  /** Deadline of the per-organization lookup; past it the global model is used alone (BAYES_STORE_UNAVAILABLE). */
  storeTimeoutMs: z.number().int().min(10).max(60_000),
  /** Below this many trained messages of either class (global + organization) the classifier says nothing. */
  minMessagesPerClass: z.number().int().min(1).max(1_000_000),
  /** Learn from quarantine decisions: release teaches ham, confirm (delete as spam) teaches spam. */
  trainOnRelease: z.boolean(),
  trainOnConfirm: z.boolean(),
  /** Robinson/Fisher combining (SpamBayes defaults): see src/spam/combine.ts. */
  unknownWordStrength: z.number().min(0.01).max(10),
  unknownWordProb: probability,
  minProbStrength: z.number().min(0).max(0.5),
  maxDiscriminators: z.number().int().min(1).max(2000),
  /** Probability bands, strongest first; the first that matches gives the finding. */
  bands: z.array(bandSchema).max(20),
});

export type SpamConfig = z.infer<typeof spamSchema>;

export const SPAM_DEFAULTS: SpamConfig = {
  enabled: true,
  model: 'rules/spam/model.bin.gz',
  store: 'database',
  storeTimeoutMs: 2000,
  minMessagesPerClass: 50,
  trainOnRelease: true,
  trainOnConfirm: true,
  unknownWordStrength: 0.45,
  unknownWordProb: 0.5,
  minProbStrength: 0.1,
  maxDiscriminators: 150,
  bands: [
    { symbol: 'BAYES_SPAM', min: 0.999, score: 20, severity: 'high' },
    { symbol: 'BAYES_SPAM', min: 0.95, score: 15, severity: 'high' },
    { symbol: 'BAYES_SPAM', min: 0.8, score: 6, severity: 'medium' },
    { symbol: 'BAYES_HAM', max: 0.001, score: -2, severity: 'info' },
    { symbol: 'BAYES_HAM', max: 0.01, score: -1, severity: 'info' },
  ],
};
