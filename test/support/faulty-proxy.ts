import { createServer, type Server, Socket } from 'node:net';

export type ProxyMode = 'up' | 'stalled' | 'down';

/**
 * A TCP proxy on loopback in front of a real service (PostgreSQL, Redis), so a test can make that
 * service hang (`stalled`: connections accepted, bytes held back) or go down (`down`: every
 * connection reset) for the app alone, without touching the server other tests share.
 */
export class FaultyProxy {
  private mode: ProxyMode = 'up';
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  private readonly held: (() => void)[] = [];
  /** Connections accepted since the last reset of the counter. */
  accepted = 0;

  /** Connections open through the proxy now (held ones included). */
  get open(): number {
    return this.clients.size;
  }

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<FaultyProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultyProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    return proxy;
  }

  /** The URL of the service as seen through the proxy. */
  url(serviceUrl: string): string {
    const url = new URL(serviceUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'down') for (const socket of this.sockets) socket.resetAndDestroy();
    if (mode === 'up') this.held.splice(0).forEach((release) => release());
  }

  private accept(client: Socket, host: string, port: number): void {
    this.accepted += 1;
    if (this.mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    this.track(client);
    this.track(upstream);
    const pipe = () => {
      upstream.connect(port, host);
      client.pipe(upstream).pipe(client);
    };
    if (this.mode === 'stalled') this.held.push(pipe);
    else pipe();
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
