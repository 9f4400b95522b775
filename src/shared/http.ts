import type { IncomingMessage, ServerResponse } from 'node:http';

/** A handler for one method of one path. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A short plain-text answer; the connection closes after it, so an unread body is never drained. */
export function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...headers });
  res.end(`${text}\n`);
}
