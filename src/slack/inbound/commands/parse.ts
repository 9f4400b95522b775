import { UserError } from '../../../domain/errors';
import type { ExtensionInput, RequestInput } from '../../../domain/policy';
import type { StartInput } from '../../../domain/scheduled-start';
import { parseRequestId } from '../request-id';

/** What a `/prod-access …` line asks for. */
export type Command =
  | { kind: 'modal' }
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'revoke'; requestId: number }
  | { kind: 'request'; input: RequestInput }
  | { kind: 'break-glass'; input: RequestInput }
  | { kind: 'extend'; input: ExtensionInput };

/** Parses the text after `/prod-access`; anything it cannot read is a usage error that says what works. */
export function parseCommand(text: string): Command {
  const [sub = '', ...args] = text.trim().split(/\s+/).filter(Boolean);
  switch (sub.toLowerCase()) {
    case '':
      return { kind: 'modal' };
    case 'help':
      return { kind: 'help' };
    case 'list':
      return { kind: 'list' };
    case 'revoke': {
      const requestId = parseRequestId(args[0]);
      if (requestId === undefined || args.length > 1) throw usage('revoke <id>, e.g. `/prod-access revoke 42`');
      return { kind: 'revoke', requestId };
    }
    case 'request': {
      const { start, rest } = takeStart(args);
      const [resourceId = '', levelId = '', duration = '', ...reason] = rest;
      if (!resourceId || !levelId || !duration) {
        throw usage(
          'request <resource> <level> <duration> <reason…> [--at <start>], e.g. `/prod-access request orders-db read-only 2h nightly import --at 22:00`',
        );
      }
      return { kind: 'request', input: { resourceId, levelId, duration, reason: reason.join(' '), ...(start && { start }) } };
    }
    case 'break-glass': {
      const [resourceId = '', levelId = '', duration = '', ...reason] = args;
      if (!resourceId || !levelId || !duration) {
        throw usage(
          'break-glass <resource> <level> <duration> <reason…>, e.g. `/prod-access break-glass orders-db write 30m INC-42 orders are failing`',
        );
      }
      return { kind: 'break-glass', input: { resourceId, levelId, duration, reason: reason.join(' ') } };
    }
    case 'extend': {
      const [id, duration = '', ...reason] = args;
      const requestId = parseRequestId(id);
      if (requestId === undefined || !duration) {
        throw usage('extend <id> <duration> <reason…>, e.g. `/prod-access extend 42 1h the migration is still running`');
      }
      return { kind: 'extend', input: { requestId, duration, reason: reason.join(' ') } };
    }
    default:
      throw usage('help, list, request, extend, revoke or break-glass');
  }
}

const START_OPTION = '--at';

/** `--at <start>` (or `--at=<start>`) anywhere after `request`: the first one names the start; the rest are the request. */
function takeStart(args: string[]): { start?: StartInput; rest: string[] } {
  const at = args.findIndex((arg) => arg.toLowerCase() === START_OPTION || arg.toLowerCase().startsWith(`${START_OPTION}=`));
  if (at === -1) return { rest: args };
  const inline = args[at]!.slice(START_OPTION.length + 1);
  const text = inline || args[at + 1];
  if (!text) throw usage('request <resource> <level> <duration> --at <start> <reason…>, with a start like 22:00 or 2026-12-02T09:00');
  return { start: { text }, rest: [...args.slice(0, at), ...args.slice(at + (inline ? 1 : 2))] };
}

function usage(expected: string): UserError {
  return new UserError('INVALID_COMMAND', `Usage: /prod-access ${expected}. Type \`/prod-access help\` for more.`);
}
