import type { IdentityBindings } from '../app/ports';
import type { Db } from './client';

/**
 * Which Slack user each identity of a resource belongs to. Keyed by resource: a resource is one target,
 * the namespace its identities live in. The primary key makes "first come keeps it" atomic, so two
 * people asking at once cannot both take one name.
 */
export class IdentityBindingRepository implements IdentityBindings {
  constructor(private readonly db: Db) {}

  /**
   * Binds the identity to the user unless another user holds it; returns who holds it now. `explicit`
   * (the catalog's map says so, the platform team's word) moves a binding held by someone else.
   */
  async bind(resourceId: string, identity: string, slackUserId: string, { explicit }: { explicit: boolean }): Promise<string> {
    const key = { resourceId_identity: { resourceId, identity } };
    if (explicit) {
      await this.db.identityBinding.upsert({ where: key, create: { resourceId, identity, slackUserId }, update: { slackUserId } });
      return slackUserId;
    }
    await this.db.identityBinding.createMany({ data: [{ resourceId, identity, slackUserId }], skipDuplicates: true });
    const binding = await this.db.identityBinding.findUniqueOrThrow({ where: key, select: { slackUserId: true } });
    return binding.slackUserId;
  }
}
