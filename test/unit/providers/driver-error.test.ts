import { DriverError, scrubbingDriverErrors } from '../../../src/providers/support';
import { PermanentError } from '../../../src/domain/errors';

describe('a driver error leaves a provider scrubbed', () => {
  const fail = (error: unknown) => scrubbingDriverErrors(() => Promise.reject(error));

  test('a pg error keeps its message and code, never its detail, where or statement', async () => {
    const pg = Object.assign(new Error("invalid input syntax for type integer: 'pw-s3cr3t'"), {
      code: '22P02',
      detail: 'Key (secret)=(pw-s3cr3t) already exists.',
      where: 'SQL statement "ALTER ROLE x PASSWORD \'pw-s3cr3t\'"',
      internalQuery: "ALTER ROLE x PASSWORD 'pw-s3cr3t'",
    });
    const error = (await fail(pg).catch((e: unknown) => e)) as DriverError;
    expect(error).toBeInstanceOf(DriverError);
    expect({ ...error, message: error.message }).toEqual({
      code: '22P02',
      name: 'DriverError',
      message: "invalid input syntax for type integer: '…'",
    });
    expect(error.stack).not.toContain('s3cr3t');
  });

  test("a MySQL syntax error's quoted statement is blanked, nested literals included", async () => {
    const mysql = Object.assign(
      new Error("You have an error in your SQL syntax; check the manual near 'IDENTIFIED BY 'pw-s3cr3t'' at line 1"),
      { errno: 1064, sqlState: '42000', sql: "CREATE USER x IDENTIFIED BY 'pw-s3cr3t'" },
    );
    const error = (await fail(mysql).catch((e: unknown) => e)) as DriverError;
    expect(error.message).toBe("You have an error in your SQL syntax; check the manual near '…' at line 1");
    expect({ ...error }).toEqual({ errno: 1064, sqlState: '42000', name: 'DriverError' });
  });

  test('a MySQL account stays in the message, as it says who was refused; the password next to it does not', async () => {
    const denied = new Error("Access denied for user 'root'@'localhost' (using password: YES)");
    expect(((await fail(denied).catch((e: unknown) => e)) as Error).message).toBe(denied.message);
    const failed = new Error("Operation CREATE USER failed for 'bob_pa1'@'%' IDENTIFIED BY 'pw-s3cr3t'");
    expect(((await fail(failed).catch((e: unknown) => e)) as Error).message).toBe(
      "Operation CREATE USER failed for 'bob_pa1'@'%' IDENTIFIED BY '…'",
    );
  });

  test("an ioredis error loses the command's arguments; a ProdAccessError passes as it is", async () => {
    const redis = Object.assign(new Error("ERR Error in ACL SETUSER modifier '>pw-s3cr3t': Syntax error"), {
      command: { name: 'acl', args: ['SETUSER', 'x', '>pw-s3cr3t'] },
    });
    expect(JSON.stringify(await fail(redis).catch((e: unknown) => ({ ...(e as object), message: (e as Error).message })))).not.toContain(
      's3cr3t',
    );
    const refusal = new PermanentError('TARGET_REJECTED', 'no such role');
    await expect(fail(refusal)).rejects.toBe(refusal);
  });
});
