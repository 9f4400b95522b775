import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent as written: fetch and http.request would normalize or refuse what a test needs to send. */
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawAnswer {
  /** Undefined when the server closed the connection without an answer. */
  status?: number;
  text: string;
}

/** Writes bytes to the server as they are, and reads its answer until the server closes the connection. */
export function sendRawBytes(port: number, bytes: Buffer, timeoutMs = 20_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs}ms to ${bytes.toString('latin1').slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    // A reset after the answer (the server closing with bytes still unread) still counts as that answer.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ status: status ? Number(status) : undefined, text });
    });
    // Not end(): Node's server drops a request whose client half-closes before the answer.
    socket.write(bytes);
  });
}

/** One HTTP/1.1 request, with Content-Length and Connection: close added, sent as written. */
export function sendRaw(port: number, request: RawRequest): Promise<RawAnswer> {
  const body = Buffer.from(request.body ?? '');
  const headers = { host: `127.0.0.1:${port}`, ...request.headers, 'content-length': String(body.length), connection: 'close' };
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return sendRawBytes(port, Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
