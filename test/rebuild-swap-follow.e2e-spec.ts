import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Found while hardening issue 8's rebuild test: a command appended after a rebuild read its last
 * event, and applied by the live projector to the old tables before the swap, is missing from the
 * swapped-in tables. The projector only noticed the swap on its next event, and meanwhile a read
 * with X-Min-Position (or an offer's catch-up) trusted its in-memory position and answered from
 * tables that lack the command. Now the projector checks the stored checkpoint and follows on.
 */
describe('the live projector after a rebuild swaps in its tables', () => {
  let testApp: TestApp;
  let s: Scenario;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('re-applies what it had applied to the old tables: a read with X-Min-Position right after the swap includes the command, with no later event to wake it', async () => {
    await s.request();
    let late: { id: string; position: string } | undefined;
    await rebuildReadModels({
      store: testApp.app.get<EventStore>(EVENT_STORE),
      databaseUrl: testApp.database.url,
      projections: ALL_PROJECTIONS,
      // Every event is folded: this command is not in the rebuild, only in the old tables.
      onWriting: async () => {
        const filed = await s.post('/v1/placement-requests', 'tromso', s.requestBody());
        expect(filed.status).toBe(201);
        const before = await s.get(`/v1/placement-requests?municipality=5501&limit=50`, 'tromso').set('X-Min-Position', filed.body.position);
        expect(before.body.items.map((item: { id: string }) => item.id)).toContain(filed.body.id);
        late = { id: filed.body.id, position: filed.body.position };
      },
    });
    expect(late).toBeDefined();
    const after = await s.get(`/v1/placement-requests?municipality=5501&limit=50`, 'tromso').set('X-Min-Position', late!.position);
    expect(after.status).toBe(200);
    expect(after.body.items.map((item: { id: string }) => item.id)).toContain(late!.id);
  });
});
