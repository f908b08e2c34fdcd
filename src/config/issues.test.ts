import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatIssues, suggestKey } from './issues.js';
import { formatKeyPath } from './paths.js';

describe('config issue formatting', () => {
  it('formats key paths the way operators write them', () => {
    assert.equal(formatKeyPath(['domains', 0, 'nextHop', 'tls']), 'domains[0].nextHop.tls');
    assert.equal(formatKeyPath(['policy', 'symbolScores', 'a b']), 'policy.symbolScores["a b"]');
    assert.equal(formatKeyPath([]), '(root)');
  });

  it('suggests only close keys', () => {
    assert.equal(suggestKey('maxRecipent', ['maxRecipients', 'maxConnections']), 'maxRecipients');
    assert.equal(suggestKey('HOST', ['host', 'port']), 'host');
    assert.equal(suggestKey('frobnicate', ['host', 'port']), undefined);
  });

  it('escapes control characters in reported values', () => {
    const schema = z.strictObject({ n: z.number() });
    const input = { n: 'a\u001b[31mred' };
    const parsed = schema.safeParse(input);
    assert.equal(parsed.success, false);
    assert.deepEqual(formatIssues(parsed.error?.issues ?? [], schema, input), ['n: expected a number, got "a\\x1b[31mred"']);
  });

  it('reports nested issues inside a matched union branch', () => {
    const schema = z.strictObject({ r: z.union([z.literal('any'), z.array(z.string().min(1)).min(1)]) });
    const input = { r: ['ok', ''] };
    const parsed = schema.safeParse(input);
    assert.deepEqual(formatIssues(parsed.error?.issues ?? [], schema, input), ['r[1]: must not be empty']);
  });
});
