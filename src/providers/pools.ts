import { ProviderError } from '../domain/errors';
import type { Logger } from '../shared/logger';
import { DriverError } from './support';

/** A driver's bounded set of admin connections to one URL. */
export interface ConnectionPool<C> {
  /** A connection for one call: an idle one, a new one while under the size, or the next one released. */
  acquire(): Promise<Lease<C>>;
  /** Ends every connection; called only once no call holds one. */
  end(): Promise<unknown>;
}

/** A connection held by one call, until it releases it. */
export interface Lease<C> {
  connection: C;
  release(): void;
}

export interface PoolOptions {
  /** At most this many connections at once. */
  size: number;
  /** A connection idle this long may be closed (the whole pool is, by ProviderPools). */
  idleMs: number;
  /** Where a connection's error goes when no call is waiting on it (a server restart, a killed connection). */
  onError(error: unknown): void;
}

export type OpenPool<C> = (url: string, options: PoolOptions) => ConnectionPool<C>;

interface Entry {
  pool: ConnectionPool<unknown>;
  /** Calls holding or waiting for one of its connections. */
  running: number;
  /** No longer handed to new calls: ends once `running` is 0. */
  retired: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * The process's admin connections to the providers' targets: one small pool per admin URL, shared by the
 * resources whose `connectionEnv` holds that URL. The URL is read at each call, so a rotated credential
 * gets a pool of its own and the old URL's pool, once no variable holds it, drains and closes. A pool idle
 * for `idleMs` closes too (the next call opens a new one), and `close` ends them all at shutdown. A
 * connection that dies (a server restart, pg_terminate_backend, KILL) is logged and dropped by its driver,
 * and the next call gets a fresh one.
 */
export class ProviderPools {
  /** By admin URL. */
  private readonly pools = new Map<string, Entry>();
  /** The URL each `connectionEnv` held at its last call. */
  private readonly urlOf = new Map<string, string>();
  /** Pools ending: awaited by `close`. */
  private readonly ending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: { size: number; idleMs: number; logger: Logger }) {}

  /** Runs `work` on a connection of the pool for `url`, the value `envName` holds now. */
  async run<C, T>(
    open: OpenPool<C>,
    source: { envName: string; url: string; size?: number },
    work: (connection: C) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new ProviderError('PROVIDER_ERROR', 'The provider connections are closed: prod-access is shutting down.');
    this.follow(source.envName, source.url);
    const entry = this.entryFor(source.url, () => open(source.url, this.poolOptions(source.size)) as ConnectionPool<unknown>);
    entry.running += 1;
    clearTimeout(entry.idleTimer);
    try {
      const lease = (await entry.pool.acquire()) as Lease<C>;
      try {
        return await work(lease.connection);
      } finally {
        lease.release();
      }
    } finally {
      entry.running -= 1;
      this.settle(source.url, entry);
    }
  }

  /** Ends every pool. Shutdown calls it after the workers have stopped; a call still running ends its pool when it is done. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [url, entry] of this.pools) this.retire(url, entry);
    await Promise.all(this.ending);
  }

  /** A variable that now holds another URL leaves its old URL's pool to drain, unless another variable holds it. */
  private follow(envName: string, url: string): void {
    const previous = this.urlOf.get(envName);
    if (previous === url) return;
    this.urlOf.set(envName, url);
    if (previous === undefined || [...this.urlOf.values()].includes(previous)) return;
    const entry = this.pools.get(previous);
    if (entry) this.retire(previous, entry);
  }

  private entryFor(url: string, open: () => ConnectionPool<unknown>): Entry {
    let entry = this.pools.get(url);
    if (!entry) {
      entry = { pool: open(), running: 0, retired: false };
      this.pools.set(url, entry);
    }
    return entry;
  }

  /** After a call: a retired pool ends once free; an idle one is retired after `idleMs`. */
  private settle(url: string, entry: Entry): void {
    if (entry.running > 0) return;
    if (entry.retired) {
      this.end(entry);
      return;
    }
    entry.idleTimer = setTimeout(() => this.retire(url, entry), this.options.idleMs);
    entry.idleTimer.unref();
  }

  private retire(url: string, entry: Entry): void {
    clearTimeout(entry.idleTimer);
    if (this.pools.get(url) === entry) this.pools.delete(url);
    entry.retired = true;
    if (entry.running === 0) this.end(entry);
  }

  private end(entry: Entry): void {
    const ended = entry.pool
      .end()
      .catch((error: unknown) => this.options.logger.warn({ err: new DriverError(error) }, 'error closing provider connections'))
      .finally(() => this.ending.delete(ended));
    this.ending.add(ended);
  }

  private poolOptions(size = this.options.size): PoolOptions {
    return {
      size,
      idleMs: this.options.idleMs,
      // Logged, never thrown: the driver has dropped the connection, and the next call opens another.
      onError: (error) => this.options.logger.warn({ err: new DriverError(error) }, 'provider connection error'),
    };
  }
}
