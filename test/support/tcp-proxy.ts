/**
 * A loopback TCP proxy a test can cut and restore, standing in for a
 * network partition between Moat and a real service (PostgreSQL, Redis)
 * without stopping the service other tests share. `cut()` resets every open
 * connection and refuses new ones (as a closed port does); `restore()`
 * accepts again on the same port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted since the start. */
  readonly accepted: () => number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (an ephemeral port) forwarding to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  let server: Server | undefined;
  let port = 0;

  const listen = async (): Promise<void> => {
    const next = createServer((client) => {
      accepted += 1;
      const upstream = connect(target.port, target.host);
      open.add(client);
      open.add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    const address = next.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    port = address.port;
    server = next;
  };

  const stop = async (): Promise<void> => {
    const current = server;
    server = undefined;
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    accepted: () => accepted,
    cut: stop,
    async restore() {
      if (server === undefined) await listen();
    },
    close: stop,
  };
}
