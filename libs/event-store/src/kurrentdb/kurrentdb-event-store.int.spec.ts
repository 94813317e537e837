import { describeEventStoreContract } from '../../test/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb-event-store';

const url = process.env.KURRENTDB_URL;
const SKIP_MESSAGE = "KurrentDB contract suite skipped: set KURRENTDB_URL='kurrentdb://127.0.0.1:2113?tls=false' to run it";

if (url) {
  describeEventStoreContract('KurrentDB', async () => {
    const store = KurrentDbEventStore.connect(url);
    return { store, dispose: () => store.close() };
  });
} else {
  console.warn(SKIP_MESSAGE);
  describe('event store contract: KurrentDB', () => {
    it.skip(SKIP_MESSAGE, () => undefined);
  });
}
