import { FakeClock, FakeRequestStore } from '../../support/fakes';
import { requestStoreContract } from '../../support/request-store-contract';

const clock = new FakeClock();
const store = new FakeRequestStore(clock);

requestStoreContract('FakeRequestStore', {
  store: () => store,
  seed: async (fields) => store.seed(fields).id,
  auditActions: async (requestId) => store.log.actions(requestId),
  now: () => clock.now(),
});
