/**
 * The line of an error that names the cause: Prisma puts it last, as "… Message: `…`"; an error without a
 * message (node's AggregateError for a refused connection) is named by its code.
 */
export function causeOf(error: unknown): string {
  const message = String(error instanceof Error ? error.message : error).trim();
  if (!message && error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.name;
  const last = message.split('\n').pop() ?? '';
  return /Message: `(.+)`$/.exec(last)?.[1] ?? last;
}
