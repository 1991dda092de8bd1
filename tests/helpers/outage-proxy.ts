import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A real network outage between a client and a service on 127.0.0.1: a TCP relay on its own
 * port in front of the service. `down()` closes the listening socket (new connects are refused,
 * ECONNREFUSED) and cuts every relayed connection; `up()` listens again on the same port.
 * The service itself never notices anything but connections that end.
 *
 * The cut stops the client's data at once, while what the service already sent still reaches
 * the client for `graceMs`: the fakes' ledgers count audio when the service answers for it, so
 * an answer lost in flight would count its audio twice (the client rightly sends it again), and
 * the "every sample once" check could not tell that from a real double.
 */
export class OutageProxy {
  readonly #target: number;
  readonly #links = new Set<{ readonly client: Socket; readonly upstream: Socket }>();
  #server: Server | null = null;
  #port = 0;

  constructor(targetPort: number) {
    this.#target = targetPort;
  }

  get port(): number {
    return this.#port;
  }

  get isUp(): boolean {
    return this.#server !== null;
  }

  /** Listens (first on a free port, later on the same one again). */
  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.#port = typeof address === 'object' && address ? address.port : 0;
    this.#server = server;
  }

  /** The network is gone: connects are refused and open connections are cut (no close frame). */
  async down(graceMs = 100): Promise<void> {
    const server = this.#server;
    this.#server = null;
    const cut = [...this.#links];
    this.#links.clear();
    for (const link of cut) {
      link.client.unpipe(link.upstream);
      link.client.pause();
    }
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, graceMs));
    for (const link of cut) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await closed;
  }

  #relay(client: Socket): void {
    const upstream = connect(this.#target, '127.0.0.1');
    const link = { client, upstream };
    this.#links.add(link);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.#links.delete(link);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}

/** `url` with its port replaced by `port` (the proxy in front of the service). */
export function viaPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}
