import type { App } from '@slack/bolt';
import { COMMAND, type CommandDeps, prodAccessCommand } from './prod-access';

export { COMMAND } from './prod-access';

export function register(app: App, deps: CommandDeps): void {
  app.command(COMMAND, prodAccessCommand(deps));
}
