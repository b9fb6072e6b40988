import net from 'node:net';

/** A TCP proxy a test puts between one process and a service, to hold its traffic. */
export interface TcpProxy {
  /** `url` with its host and port replaced by the proxy's. */
  readonly url: string;
  /**
   * Stops forwarding in both directions: bytes wait in the sockets' buffers, connections stay
   * open, as on a network that has stalled. New connections are accepted and held too.
   */
  hold(): void;
  /** Forwards again, what waited first. */
  release(): void;
  /** Resets every open connection, as a dropped network does; new ones are forwarded as before. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Pipes two sockets into each other with back-pressure, stopping while `held()` says so. */
function forward(from: net.Socket, to: net.Socket, held: () => boolean): void {
  from.on('data', (chunk) => {
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => {
    if (!held()) from.resume();
  });
  from.on('end', () => to.end());
  from.on('error', () => to.destroy());
  from.on('close', () => to.destroy());
}

/** Starts a proxy on a free loopback port to the host and port of `url` (any scheme). */
export async function startTcpProxy(url: string): Promise<TcpProxy> {
  const target = new URL(url);
  const targetPort = Number(target.port);
  const targetHost = target.hostname.replace(/^\[|\]$/g, '');
  const sockets = new Set<net.Socket>();
  let held = false;
  const isHeld = () => held;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: targetHost, port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      if (held) socket.pause();
    }
    forward(client, upstream, isHeld);
    forward(upstream, client, isHeld);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    hold() {
      held = true;
      for (const socket of sockets) socket.pause();
    },
    release() {
      held = false;
      for (const socket of sockets) socket.resume();
    },
    dropConnections() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
