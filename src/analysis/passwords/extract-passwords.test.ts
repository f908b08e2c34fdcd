import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPasswords, htmlToText } from './index.js';

test('password phrasings across languages', () => {
  const table: readonly (readonly [string, string])[] = [
    ['password: 1234', '1234'],
    ['Password:Xy!9_z', 'Xy!9_z'],
    ['The password is Secret77', 'Secret77'],
    ['pass: abc123', 'abc123'],
    ['pwd q1w2e3', 'q1w2e3'],
    ['PW=Zz998', 'Zz998'],
    ['Das Passwort lautet: Sommer2025', 'Sommer2025'],
    ['Kennwort: k3nn', 'k3nn'],
    ['mot de passe : Paris75', 'Paris75'],
    ['Le mot de passe est mdp-42', 'mdp-42'],
    ['contraseña: hola99', 'hola99'],
    ['senha: abc@123', 'abc@123'],
    ["parola d'ordine: roma1", 'roma1'],
    ['password: "two words"', 'two words'],
    ['wachtwoord: tulp88', 'tulp88'],
    ['hasło: zaq1', 'zaq1'],
    ['пароль: секрет42', 'секрет42'],
    ['密码：abc888', 'abc888'],
    ['パスワード: sakura7', 'sakura7'],
    ['비밀번호: hangul9', 'hangul9'],
    ['Passwort: «Quoted99»', 'Quoted99'],
    ['use password 「kagi」 please', 'kagi'],
  ];
  for (const [text, expected] of table) assert.ok(extractPasswords([text]).includes(expected), `${text} -> ${JSON.stringify(extractPasswords([text]))}`);
});

test('quoted tokens on a password line count too; sentence punctuation is tried both ways', () => {
  assert.deepEqual(extractPasswords(['Open it with the password we agreed, "Alpha-7".']), ['we', 'Alpha-7']);
  assert.deepEqual(extractPasswords(['password: 1234.']), ['1234', '1234.']);
  assert.deepEqual(extractPasswords(['The invoice is attached.', 'Regards']), []);
  // Whole words only: "passport" and "bypass" are not keywords.
  assert.deepEqual(extractPasswords(['passport number 123', 'we bypass: nothing']), []);
});

test('subject and HTML bodies', () => {
  assert.deepEqual(extractPasswords(['Invoice (password: inv2025)']), ['inv2025', 'inv2025)']);
  const html = '<html><body><p>Hello,</p><p>Password: <b>Html&amp;Pw1</b></p><p>Regards</p></body></html>';
  assert.ok(extractPasswords([htmlToText(html)]).includes('Html&Pw1'));
  assert.equal(htmlToText('a<br>b&#x41;&#66;&nbsp;'), 'a\nbAB ');
  assert.equal(htmlToText('<p>x</p><SCRIPT type="a">password: no</script >y<style>p{}</STYLE>z'), ' x\n y z');
  // An unclosed script or style tag is dropped like any tag; what follows stays text.
  assert.equal(htmlToText('a<script>b<script>c'), 'a b c');
  assert.equal(htmlToText('1 < 2 and 3 > 2'), '1   2');
  assert.equal(htmlToText('x <b unclosed'), 'x <b unclosed');
  assert.equal(htmlToText('<br/>a<br-x>b</h2>c</h7>d<scriptx>e</scriptx>'), '\na\nb\nc d e ');
});

test('bounded: at most 20 candidates of at most 64 characters', () => {
  const many = Array.from({ length: 100 }, (_, i) => `password: pw${i}`).join('\n');
  const out = extractPasswords([many]);
  assert.equal(out.length, 20);
  assert.equal(out[0], 'pw0');
  assert.deepEqual(extractPasswords([`password: ${'x'.repeat(65)}`]), []);
  assert.deepEqual(extractPasswords([`password: ${'x'.repeat(64)}`]), ['x'.repeat(64)]);
  // A huge body is cut, not scanned whole.
  const started = process.hrtime.bigint();
  extractPasswords([`${'pass '.repeat(2_000_000)}`]);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000);
});
