import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

describe('GET /v1/placement-requests', () => {
  let testApp: TestApp;
  let s: Scenario;
  let lastPosition: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    for (let i = 0; i < 5; i++) await s.request({ urgency: i % 2 ? 'planned' : 'acute', occurredAt: new Date(Date.now() - (10 - i) * 60_000).toISOString() });
    const oslo = await s.post('/v1/placement-requests', 'oslo', s.requestBody({ municipality: '0301' }));
    lastPosition = oslo.body.position;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const list = (caller: Parameters<Scenario['as']>[0], query = '') =>
    s.http().get(`/v1/placement-requests${query}`).set('Authorization', s.as(caller)).set('X-Min-Position', lastPosition);

  it('pages with a cursor, newest first, every request exactly once', async () => {
    const seen: string[] = [];
    const times: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string; occurredAt: string }[]; nextCursor: string | null } } = await list('auditor', `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.id));
      times.push(...page.body.items.map((item) => item.occurredAt));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('filters by urgency, region, municipality and status', async () => {
    expect((await list('auditor', '?urgency=planned')).body.items).toHaveLength(2);
    expect((await list('auditor', '?region=oslo')).body.items).toHaveLength(1);
    expect((await list('auditor', '?municipality=5501&status=requested')).body.items).toHaveLength(5);
    expect((await list('auditor', '?status=placed')).body.items).toHaveLength(0);
  });

  it('shows each caller only its scope', async () => {
    expect((await list('tromso')).body.items).toHaveLength(5);
    expect((await list('oslo')).body.items).toHaveLength(1);
    expect((await list('nordCoordinator')).body.items.every((item: { region: string }) => item.region === 'nord')).toBe(true);
    expect((await list('osloCoordinator')).body.items).toHaveLength(1);
  });

  it('400 naming bad filters', async () => {
    const response = await list('auditor', '?status=lost&limit=9999');
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'status']);
  });
});
