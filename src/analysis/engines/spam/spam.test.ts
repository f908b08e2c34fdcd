import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { analyzeMessage } from '../../analyze-message.js';
import type { AnalysisLimits } from '../../limits.js';
import { createTokenBag, evaluateContentRules, hashToken, inspectSpamContent, readHtml, tokenizeText } from './index.js';
import type { ContentFacts } from './index.js';

const LIMITS: AnalysisLimits = { maxMessageBytes: 64 * 1024 * 1024, maxMimeParts: 1000, maxMimeDepth: 30 };
const TEXT_LIMITS = { maxChars: 100_000, maxChunks: 20_000 };
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

function mail(headers: string, body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${headers.trim().replace(/\n/g, '\r\n')}\r\n\r\n`), typeof body === 'string' ? Buffer.from(body.replace(/\n/g, '\r\n')) : body]);
}

/** Tokens of a text, as plain strings (the bag hashes them, so this collects through a spy bag). */
function tokensOf(text: string, prefix = ''): string[] {
  const seen: string[] = [];
  const bag = createTokenBag(2000);
  tokenizeText(text, prefix, { add: (t) => (seen.push(t), bag.add(t)), get full() { return bag.full; }, hashes: () => bag.hashes() }, TEXT_LIMITS);
  return seen;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

test('token hashes are stable 8-hex-digit FNV-1a values', () => {
  assert.equal(hashToken(''), '811c9dc5');
  assert.match(hashToken('viagra'), /^[0-9a-f]{8}$/);
  assert.equal(hashToken('s:free'), hashToken('s:free'));
  assert.notEqual(hashToken('s:free'), hashToken('free'));
});

test('words are lower-cased, edge punctuation dropped, numbers bucketed, long words summarised', () => {
  assert.deepEqual(tokensOf('FREE!!! "Money", (now) $1,000,000 and 25% OFF'), ['free!!!', 'money', 'now', 'num:$7', 'and', 'num:2%', 'off']);
  assert.deepEqual(tokensOf('aVeryLongWordThatIsMuchTooLongToBeAWord'), ['skip:a:3']);
  assert.deepEqual(tokensOf('Subject words', 's:'), ['s:subject', 's:words']);
  // Full-width letters fold onto ASCII (NFKC), a filter-evasion habit.
  assert.deepEqual(tokensOf('ＦＲＥＥ'), ['free']);
});

test('links become host and path tokens, addresses domain tokens', () => {
  assert.deepEqual(tokensOf('see https://mail.Example.com/cgi-bin/remove.php?id=12345 or www.spam.example'), [
    'see',
    'url:mail.example.com',
    'url:example.com',
    'up:cgi-bin',
    'up:remove',
    'up:php',
    'url:www.spam.example',
    'url:spam.example',
  ]);
  assert.deepEqual(tokensOf('http://192.0.2.7:8080/x'), ['url:ip', 'url:port']);
  assert.deepEqual(tokensOf('write to bob@lists.example.org'), ['write', 'email:lists.example.org', 'email:example.org']);
});

test('CJK and Thai runs are cut into character bigrams', () => {
  assert.deepEqual(tokensOf('免费发票'), ['免费', '费发', '发票']);
  assert.deepEqual(tokensOf('price価格'), ['price', '価格']);
  assert.deepEqual(tokensOf('한'), ['한']);
});

test('HTML: visible text, images, links, and CSS-hidden text counted apart', () => {
  const facts = readHtml(
    '<html><head><title>t</title><style>p{}</style></head><body><b>F</b>ree <a href="http://x.example/">here</a>' +
      '<img src="cid:1"><div style="display:none">hidden words for the filter only, forty+ chars</div>' +
      '<span style="color:#fff;background-color:#fff">same colour</span><script>var a="<b>"</script>&amp;done</body></html>',
    10_000,
  );
  assert.equal(facts.text.replace(/\s+/g, ' ').trim(), 'Free here &done');
  assert.equal(facts.images, 1);
  assert.deepEqual(facts.links, ['http://x.example/']);
  assert.equal(facts.hiddenChars, 'hiddenwordsforthefilteronly,forty+chars'.length + 'samecolour'.length);
  assert.ok(facts.tags.includes('img'));
});

test('content rules fire on their structures and stay quiet on a normal message', () => {
  const normal: ContentFacts = { subject: 'Meeting notes for Tuesday', hasHtml: false, plainWords: 200, htmlWords: 0, images: 0, links: 2, hiddenChars: 0, base64Text: false };
  assert.deepEqual(evaluateContentRules(normal), []);
  const symbols = (f: Partial<ContentFacts>): string[] => evaluateContentRules({ ...normal, ...f }).map((x) => x.symbol);
  assert.deepEqual(symbols({ hasHtml: true, images: 1, plainWords: 3, htmlWords: 3 }), ['SPAM_IMAGE_ONLY']);
  assert.deepEqual(symbols({ hasHtml: true, links: 1, plainWords: 2, htmlWords: 2 }), ['SPAM_LINK_ONLY']);
  // A short plain-text note with a link is how people share an article.
  assert.deepEqual(symbols({ hasHtml: false, links: 1, plainWords: 2 }), []);
  assert.deepEqual(symbols({ hiddenChars: 30 }), ['SPAM_HIDDEN_TEXT']);
  assert.deepEqual(symbols({ subject: 'MAKE MONEY FAST NOW' }), ['SPAM_SUBJECT_SHOUTING']);
  assert.deepEqual(symbols({ subject: 'wow!!! really!' }), ['SPAM_SUBJECT_SHOUTING']);
  assert.deepEqual(symbols({ subject: 'RE: FYI' }), []);
  assert.deepEqual(symbols({ base64Text: true }), ['SPAM_BASE64_TEXT']);
  const gtube = evaluateContentRules({ ...normal, gtubePath: '1' });
  assert.deepEqual(gtube, [{ engine: 'spam', symbol: 'SPAM_GTUBE', score: 1000, severity: 'critical', detail: 'part 1: the GTUBE anti-spam test string', artifact: '1' }]);
  // Attacker text in a detail is escaped.
  const detail = evaluateContentRules({ ...normal, subject: 'FREE\u202eMONEY NOW!!!' })[0]?.detail ?? '';
  assert.ok(detail.includes('\\u{202e}'), detail);
});

test('the pipeline carries spamTokens and finds GTUBE in a text part', async () => {
  const raw = mail('From: "Test" <t@example.com>\nTo: a@example.org\nSubject: test\nMessage-ID: <1@mx.example.com>', `This is the GTUBE, the\n${GTUBE}\n`);
  const result = await analyzeMessage(raw, LIMITS);
  assert.ok((result.spamTokens ?? []).length > 5);
  assert.ok((result.spamTokens ?? []).every((t) => /^[0-9a-f]{8}$/.test(t)));
  assert.deepEqual(result.findings.map((f) => f.symbol), ['SPAM_GTUBE']);
});

test('a single-part ISO-2022-JP message is decoded by its charset', () => {
  const body = Buffer.from([0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42]); // 日本
  const raw = mail('Subject: x\nContent-Type: text/plain; charset=ISO-2022-JP', body);
  const asUtf8 = inspectSpamContent(raw, [{ path: '1', contentType: 'text/plain', content: body }]);
  assert.ok(asUtf8.tokens.includes(hashToken('日本')));
});

test('bounded: 5 MB of one word, a million distinct words, binary garbage, hostile HTML', async () => {
  const cases: [string, Buffer][] = [
    ['one word', mail('Subject: w', 'a'.repeat(5 * 1024 * 1024))],
    ['one word, spaced', mail('Subject: w', 'spam '.repeat(1024 * 1024))],
    ['distinct', mail('Subject: d', Array.from({ length: 1_000_000 }, (_, i) => `w${i.toString(36)}x`).join(' '))],
    ['garbage', mail('Subject: g', randomBytes(4 * 1024 * 1024))],
    ['html opens', mail('Subject: h\nContent-Type: text/html', '<script>'.repeat(300_000) + '<'.repeat(1_000_000))],
    ['html hidden', mail('Subject: h\nContent-Type: text/html', '<div style="display:none">'.repeat(200_000) + 'x'.repeat(1_000_000))],
    ['headers', Buffer.from(`Subject: ${'FREE '.repeat(100_000)}\r\n${'X-A: b\r\n'.repeat(50_000)}\r\nbody`)],
  ];
  for (const [name, raw] of cases) {
    // The spam pass alone: the hostile HTML cases are slow elsewhere in the pipeline (passwords'
    // htmlToText is quadratic on unclosed <script> tags), which the worker's time budget bounds.
    const started = process.hrtime.bigint();
    const spam = inspectSpamContent(raw, [{ path: '1', contentType: name.startsWith('html') ? 'text/html' : 'text/plain', content: raw.subarray(raw.indexOf('\r\n\r\n') + 4) }]);
    const spamMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(spamMs < 2000, `${name}: spam pass ${spamMs} ms`);
    assert.ok(spam.tokens.length <= 2000, `${name}: ${spam.tokens.length} tokens`);
    if (name.startsWith('html')) continue;
    const { value, ms } = await timed(() => analyzeMessage(raw, LIMITS));
    const tokens = value.spamTokens ?? [];
    assert.ok(tokens.length <= 2000, `${name}: ${tokens.length} tokens`);
    assert.ok(!value.findings.some((f) => f.symbol === 'ANALYSIS_CRASH'), `${name}: ${JSON.stringify(value.findings)}`);
    assert.ok(ms < 10_000, `${name}: ${ms} ms`);
  }
  const many = await analyzeMessage(mail('Subject: d', Array.from({ length: 1_000_000 }, (_, i) => `w${i.toString(36)}x`).join(' ')), LIMITS);
  assert.equal(many.spamTokens?.length, 2000);
});
