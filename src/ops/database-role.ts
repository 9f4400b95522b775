import { causeOf } from '../shared/cause';
import type { Logger } from '../shared/logger';

/** A one-role setup (development) works, but its audit log is only as safe as that role; say so at start. */
export async function warnIfAuditRewritable(audit: { canRewrite(): Promise<boolean> }, logger: Logger): Promise<void> {
  try {
    if (await audit.canRewrite()) {
      logger.warn(
        'DATABASE_URL logs in as a role that can change or remove audit rows (their owner or a superuser): run the app as the role migrations grant (prod_access_app) and the migrations as the owner (MIGRATION_DATABASE_URL); see README "Database roles"',
      );
    }
  } catch (err) {
    // The cause alone: a database that is down is a fact for the operator, not a stack trace.
    logger.warn({ reason: causeOf(err) }, 'could not check the privileges of the database role');
  }
}
