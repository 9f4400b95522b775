import type { WebClient } from '@slack/web-api';
import type { HomeContent, HomeTab } from '../../app/ports';
import type { Catalog } from '../../domain/catalog';
import { homeView } from '../render/app-home';

/** A person's App Home, rendered and published; whether and when is decided by app/home.ts. */
export class SlackHomeTab implements HomeTab {
  constructor(
    private readonly slack: WebClient,
    private readonly catalog: Catalog,
  ) {}

  async publish(home: HomeContent): Promise<void> {
    // No hash: each publish renders the database as it is now, so the latest one is the one to keep.
    await this.slack.views.publish({ user_id: home.userId, view: homeView(home, this.catalog) });
  }
}
