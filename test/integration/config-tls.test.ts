import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { MoatError } from '../../src/core/index.js';
import { ensureTlsCredentials } from '../../src/config/index.js';

let root: string;
let counter = 0;

async function freshDataDir(): Promise<string> {
  return mkdtemp(join(root, `data-${counter++}-`));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moat-tls-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ensureTlsCredentials (self-signed)', () => {
  it('generates a pair for the hostname, with a 0600 key, then reuses it', async () => {
    const dataDir = await freshDataDir();
    const first = await ensureTlsCredentials({ dataDir, hostname: 'mx.example.test' });
    assert.equal(first.selfSigned, true);
    assert.equal(first.path, join(dataDir, 'tls', 'self-signed.crt'));

    const x509 = new X509Certificate(first.cert);
    assert.equal(x509.checkHost('mx.example.test'), 'mx.example.test');
    assert.match(x509.subjectAltName ?? '', /DNS:mx\.example\.test/);
    const years = (new Date(x509.validTo).getTime() - Date.now()) / (365.25 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);

    const keyStat = await stat(join(dataDir, 'tls', 'self-signed.key'));
    assert.equal(keyStat.mode & 0o777, 0o600);
    assert.deepEqual(await readFile(join(dataDir, 'tls', 'self-signed.key')), first.key);

    const second = await ensureTlsCredentials({ dataDir, hostname: 'mx.example.test' });
    assert.deepEqual(second.cert, first.cert, 'the same certificate the second time');
    assert.deepEqual(second.key, first.key);
  });

  it('produces credentials a real TLS handshake accepts', async () => {
    const creds = await ensureTlsCredentials({ dataDir: await freshDataDir(), hostname: 'mx.example.test' });
    const server = createServer({ key: creds.key, cert: creds.cert }, (socket) => socket.end('hello'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const socket = connect({ host: '127.0.0.1', port, servername: 'mx.example.test', ca: [creds.cert] });
      await once(socket, 'secureConnect');
      assert.equal(socket.authorized, true, String(socket.authorizationError));
      socket.destroy();
    } finally {
      server.close();
    }
  });

  it('regenerates when the hostname changes', async () => {
    const dataDir = await freshDataDir();
    const first = await ensureTlsCredentials({ dataDir, hostname: 'old.example.test' });
    const second = await ensureTlsCredentials({ dataDir, hostname: 'new.example.test' });
    assert.notDeepEqual(second.cert, first.cert);
    assert.equal(new X509Certificate(second.cert).checkHost('new.example.test'), 'new.example.test');
  });

  it('refuses corrupt generated files instead of overwriting them', async () => {
    const dataDir = await freshDataDir();
    await ensureTlsCredentials({ dataDir, hostname: 'mx.example.test' });
    await writeFile(join(dataDir, 'tls', 'self-signed.crt'), 'garbage');
    await assert.rejects(ensureTlsCredentials({ dataDir, hostname: 'mx.example.test' }), { code: 'TLS_SELF_SIGNED_INVALID' });
  });
});

describe('ensureTlsCredentials (configured)', () => {
  let pairA: { cert: string; key: string };
  let pairB: { cert: string; key: string };

  before(async () => {
    // Two independent generated pairs stand in for operator-supplied files.
    const a = await freshDataDir();
    const b = await freshDataDir();
    await ensureTlsCredentials({ dataDir: a, hostname: 'a.example.test' });
    await ensureTlsCredentials({ dataDir: b, hostname: 'b.example.test' });
    pairA = { cert: join(a, 'tls', 'self-signed.crt'), key: join(a, 'tls', 'self-signed.key') };
    pairB = { cert: join(b, 'tls', 'self-signed.crt'), key: join(b, 'tls', 'self-signed.key') };
  });

  it('loads a matching pair', async () => {
    const creds = await ensureTlsCredentials({ dataDir: root, hostname: 'ignored.test', ...pairA });
    assert.equal(creds.selfSigned, false);
    assert.equal(creds.path, pairA.cert);
    assert.deepEqual(creds.cert, await readFile(pairA.cert));
  });

  it('names smtp.tls.key when the key does not match the certificate', async () => {
    await assert.rejects(ensureTlsCredentials({ dataDir: root, hostname: 'x.test', cert: pairA.cert, key: pairB.key }), (error: unknown) => {
      assert.ok(error instanceof MoatError);
      assert.equal(error.code, 'TLS_KEY_MISMATCH');
      assert.match(error.message, /^smtp\.tls\.key: .* does not match the certificate in smtp\.tls\.cert/);
      return true;
    });
  });

  it('names smtp.tls.cert when the certificate is not PEM', async () => {
    const bad = join(root, 'bad.crt');
    await writeFile(bad, 'not a certificate');
    await assert.rejects(ensureTlsCredentials({ dataDir: root, hostname: 'x.test', cert: bad, key: pairA.key }), (error: unknown) => {
      assert.ok(error instanceof MoatError);
      assert.equal(error.code, 'TLS_CERT_INVALID');
      assert.match(error.message, /^smtp\.tls\.cert: /);
      return true;
    });
  });

  it('names smtp.tls.key when the key file is unreadable', async () => {
    await assert.rejects(ensureTlsCredentials({ dataDir: root, hostname: 'x.test', cert: pairA.cert, key: join(root, 'absent.key') }), (error: unknown) => {
      assert.ok(error instanceof MoatError);
      assert.equal(error.code, 'TLS_KEY_UNREADABLE');
      assert.match(error.message, /^smtp\.tls\.key: cannot read .*absent\.key \(ENOENT\)/);
      return true;
    });
  });

  it('refuses half a pair', async () => {
    await assert.rejects(ensureTlsCredentials({ dataDir: root, hostname: 'x.test', cert: pairA.cert }), {
      code: 'TLS_PAIR_INCOMPLETE',
      message: /^smtp\.tls\.key: required/,
    });
  });
});
