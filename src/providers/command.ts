import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { PermanentError, ProviderError } from '../domain/errors';
import { envName, instructionsAnswer, instructionsFrom, parseJson, readEnv } from './support';
import { type AccessInstructions, type AccessProvider, defineProviderKind, type GrantSpec } from './types';

const run = promisify(execFile);

/** `{name}` in an argument; the names are the spec's fields and the level's target keys. */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
/** A value put into an argument: never a leading `-`, so it cannot turn into an option. */
const SAFE_VALUE = /^[A-Za-z0-9_][A-Za-z0-9_.:/@=+,-]{0,199}$/;

const argTemplates = z.array(z.string().max(500)).max(50);

const settingsSchema = z.strictObject({
  /** Absolute path of the executable; it runs without a shell, so no argument is ever parsed by one. */
  executable: z.string().refine((p) => path.isAbsolute(p), 'must be an absolute path'),
  /** Arguments of each call: templates with {identity}, {requestId}, {expiresAt}, {resource}, {level} and the target's keys. */
  grant: argTemplates,
  revoke: argTemplates,
  check: argTemplates,
  /** Names of environment variables the command gets (its credentials); it gets nothing else but PATH. */
  env: z.array(envName).default([]),
  timeoutSeconds: z.number().int().min(1).max(600).default(60),
  exitCodes: z
    .strictObject({
      /** check: the access is absent (0 means present). */
      absent: z.number().int().min(1).max(255).default(1),
      /** any call: the target refused for good; anything else non-zero is retried. */
      rejected: z.array(z.number().int().min(1).max(255)).default([2]),
    })
    .default({ absent: 1, rejected: [2] }),
});
type Settings = z.infer<typeof settingsSchema>;

const targetSchema = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a simple key'),
  z.string().regex(SAFE_VALUE, 'must be letters, digits and _ . : / @ = + , - (not starting with -), at most 200'),
);
type Target = z.infer<typeof targetSchema>;

type Action = 'grant' | 'revoke' | 'check';

export const commandProvider = defineProviderKind({
  kind: 'command',
  settingsSchema,
  targetSchema,
  identityPattern: SAFE_VALUE.source,
  requiredEnv: (settings) => settings.env,
  validateConfig: async (settings) => {
    await access(settings.executable, constants.X_OK).catch(() => {
      throw new ProviderError('PROVIDER_ERROR', `${settings.executable} is not an executable file.`);
    });
  },
  create: (settings, env) => new CommandProvider(settings, env),
});

/**
 * Runs a team's own script or CLI. Exit 0 is success (for check: present); `exitCodes.absent` from check
 * means absent; `exitCodes.rejected` is a permanent refusal; anything else is retried. A grant's stdout may
 * be JSON `{"lines": [...], "oneTimeSecret": "..."}` to tell the requester how to use the access.
 */
class CommandProvider implements AccessProvider<Target> {
  constructor(
    private readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async grant(spec: GrantSpec<Target>): Promise<AccessInstructions> {
    const { stdout } = await this.run('grant', spec);
    const answer = instructionsAnswer.safeParse(parseJson(stdout) ?? {});
    return instructionsFrom(answer.success ? answer.data : {}, spec.identity, spec.expiresAt);
  }

  async revoke(spec: GrantSpec<Target>): Promise<void> {
    await this.run('revoke', spec);
  }

  async check(spec: GrantSpec<Target>): Promise<boolean> {
    const { exitCode } = await this.run('check', spec, [this.settings.exitCodes.absent]);
    return exitCode === 0;
  }

  /** The grant's command line with the level's values filled in; the request's own ({identity}, …) stay as placeholders. */
  async describeLevel(target: Target): Promise<string> {
    const args = this.settings.grant.map((template) =>
      template.replace(PLACEHOLDER, (placeholder, name: string) => target[name] ?? placeholder),
    );
    return `Runs ${[this.settings.executable, ...args].map(shellWord).join(' ')}.`;
  }

  private async run(action: Action, spec: GrantSpec<Target>, alsoFine: number[] = []): Promise<{ stdout: string; exitCode: number }> {
    const args = this.settings[action].map((template) => fill(template, spec));
    const env = Object.fromEntries([
      ['PATH', process.env.PATH ?? '/usr/bin:/bin'],
      ...this.settings.env.map((name) => [name, readEnv(this.env, name)]),
    ]);
    const what = `${path.basename(this.settings.executable)} (${action})`;
    try {
      const { stdout } = await run(this.settings.executable, args, {
        env,
        timeout: this.settings.timeoutSeconds * 1000,
        maxBuffer: 1024 * 1024,
        windowsHide: true,
      });
      return { stdout, exitCode: 0 };
    } catch (e) {
      const failure = e as { code?: number | string; killed?: boolean; stderr?: string };
      if (typeof failure.code === 'number' && alsoFine.includes(failure.code)) return { stdout: '', exitCode: failure.code };
      if (typeof failure.code === 'number' && this.settings.exitCodes.rejected.includes(failure.code)) {
        // The last line of stderr is the command's reason, written for people (documented); nothing else is shown.
        const reason = failure.stderr?.trim().split('\n').pop()?.slice(0, 200);
        throw new PermanentError('TARGET_REJECTED', `${what} refused with exit code ${failure.code}${reason ? `: ${reason}` : ''}`);
      }
      const how = failure.killed ? `timed out after ${this.settings.timeoutSeconds}s` : `failed (${failure.code ?? 'signal'})`;
      throw new ProviderError('PROVIDER_ERROR', `${what} ${how}`);
    }
  }
}

/** An argument as a person would type it: quoted when it holds anything but plain characters (it never goes to a shell). */
function shellWord(arg: string): string {
  return /^[A-Za-z0-9_.:/@=+,{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Fills an argument template; every value was validated, and it stays one argument whatever it holds. */
function fill(template: string, spec: GrantSpec<Target>): string {
  const values: Record<string, string> = {
    ...spec.target,
    identity: spec.identity,
    requestId: String(spec.requestId),
    expiresAt: spec.expiresAt.toISOString(),
    resource: spec.resourceId,
    level: spec.levelId,
  };
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new PermanentError(
        'TARGET_REJECTED',
        `The command argument "${template}" uses {${name}}, which the level ${spec.levelId} does not define.`,
      );
    }
    return value;
  });
}
