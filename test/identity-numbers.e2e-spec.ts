import { Pool } from 'pg';
import jwt from 'jsonwebtoken';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';
import { syntheticIdentityNumber } from './support/identity-numbers';

/**
 * PRODUCT.md §1: the product never stores, logs or echoes a national identity number. The guard
 * covers bodies, query strings, the stored headers and the token's `sub`, in the written forms
 * `DDMMYYNNNNN`, `DDMMYY NNNNN` and `DDMMYY-NNNNN`.
 */
const FNR = syntheticIdentityNumber(101);
const DNR = syntheticIdentityNumber(102, { dNumber: true });
const spaced = (number: string) => `${number.slice(0, 6)} ${number.slice(6)}`;
const hyphenated = (number: string) => `${number.slice(0, 6)}-${number.slice(6)}`;
const FORMS = [FNR, DNR, spaced(FNR), hyphenated(DNR)];

describe('identity numbers never get in', () => {
  let testApp: TestApp;
  let s: Scenario;
  let events: Pool;
  let requestId: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    events = new Pool({ connectionString: testApp.database.url, max: 2 });
    requestId = await s.request();
  });
  afterAll(async () => {
    await events.end();
    await testApp.close();
  });

  /** No stored event, in data or metadata, holds any of the numbers, in any written form (a longer run of digits is no number). */
  async function expectNothingStored(): Promise<void> {
    const digits = [FNR, DNR].flatMap((number) => [number, spaced(number), hyphenated(number)]);
    const { rows } = await events.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM es_events WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) d WHERE (data::text || metadata::text) ~ ('(?<![0-9])' || d || '(?![0-9])'))`,
      [digits],
    );
    expect(rows[0].n).toBe(0);
  }

  function expectNotEchoed(body: unknown, number: string): void {
    const text = JSON.stringify(body);
    expect(text).not.toContain(number);
    expect(text).not.toContain(number.replace(/[ -]/g, ''));
  }

  it.each(FORMS)('422 for a body field holding %s in any written form, and nothing is written', async (number) => {
    const before = await s.eventCount(requestId);
    const response = await s.post(`/v1/placement-requests/${requestId}/withdraw`, 'tromso', { reason: `gjelder barn med nr ${number}` });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ field: 'reason', message: expect.stringMatching(/fødselsnummer or D-number/) }]);
    expectNotEchoed(response.body, number);
    expect(await s.eventCount(requestId)).toBe(before);
  });

  it('422 for a number used as a field name, without echoing it as "not a known field"', async () => {
    const response = await s.post('/v1/placement-requests', 'tromso', { ...s.requestBody(), [FNR]: true });
    expect(response.status).toBe(422);
    expectNotEchoed(response.body, FNR);
  });

  it.each([
    ['/v1/placement-requests?municipality={n}', 'municipality'],
    ['/v1/placement-requests?status=requested&childRef={n}', 'childRef'],
    ['/v1/breaches?region={n}', 'region'],
    ['/v1/breaches?from=2025-01-01&type={n}', 'type'],
    ['/v1/breaches/stats?groupBy=region&to={n}', 'to'],
    ['/v1/capacity?kind={n}', 'kind'],
    ['/v1/capacity/matches?requestId={n}', 'requestId'],
  ])('422 for a query string %s holding a number, naming the parameter', async (path, field) => {
    for (const number of FORMS) {
      const response = await s.get(path.replace('{n}', encodeURIComponent(number)), 'auditor');
      expect([number, response.status]).toEqual([number, 422]);
      expect(response.body.errors).toEqual([{ field, message: expect.any(String) }]);
      expectNotEchoed(response.body, number);
    }
  });

  it('422 for a query parameter on a command, and nothing is written', async () => {
    const before = await s.eventCount(requestId);
    const response = await s.http().post(`/v1/placement-requests/${requestId}/withdraw?note=${encodeURIComponent(spaced(FNR))}`).set('Authorization', s.as('tromso')).send({ reason: 'x' });
    expect(response.status).toBe(422);
    expect(await s.eventCount(requestId)).toBe(before);
  });

  it.each([
    ['Idempotency-Key', FNR],
    ['Idempotency-Key', `retry-${hyphenated(DNR)}`],
    ['X-Correlation-Id', hyphenated(FNR)],
    ['X-Correlation-Id', `case:${DNR}`],
  ])('422 for the stored header %s holding %s, and nothing is written', async (header, value) => {
    const before = await s.eventCount(requestId);
    const response = await s.http().post(`/v1/placement-requests/${requestId}/no-offer`).set('Authorization', s.as('nordCoordinator')).set(header, value).send({ reason: 'ingen plass' });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ field: header, message: expect.any(String) }]);
    expectNotEchoed(response.body, value);
    expect(await s.eventCount(requestId)).toBe(before);
  });

  it.each([
    ['a fødselsnummer', FNR],
    ['a D-number', DNR],
    ['a spaced number inside an IdP subject', `idporten|${spaced(FNR)}`],
    ['a hyphenated number', hyphenated(FNR)],
  ])('401 for a token whose sub holds %s, without echoing it', async (_, sub) => {
    const token = jwt.sign({ sub, role: 'municipality', municipalities: ['5501'] }, (testApp.config.jwt as { secret: string }).secret, { algorithm: 'HS256' });
    const response = await s.http().post('/v1/placement-requests').set('Authorization', `Bearer ${token}`).send(s.requestBody());
    expect(response.status).toBe(401);
    expectNotEchoed(response.body, sub);
    expect((await s.http().get(`/v1/placement-requests/${requestId}`).set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('does not echo a number that the JSON parser quotes from a malformed body', async () => {
    const response = await s.http().post('/v1/placement-requests').set('Authorization', s.as('tromso')).set('Content-Type', 'application/json').send(`x${FNR}`);
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('[identity number removed]');
    expectNotEchoed(response.body, FNR);
  });

  it('does not echo a number from an unknown path in the 404', async () => {
    const response = await s.get(`/v1/people/${FNR}`, 'auditor');
    expect(response.status).toBe(404);
    expectNotEchoed(response.body, FNR);
  });

  it('still accepts look-alikes: wrong check digits, longer runs, UUIDs and dates', async () => {
    const wrong = FNR.slice(0, 10) + String((Number(FNR[10]) + 1) % 10);
    const response = await s.http()
      .post('/v1/placement-requests')
      .set('Authorization', s.as('tromso'))
      .set('Idempotency-Key', `k-${wrong}`)
      .set('X-Correlation-Id', `c-${spaced(wrong).replace(' ', '-')}`)
      .send(s.requestBody({ legalBasis: `sak ${wrong}, ref 9${FNR}, ${spaced(wrong)}` }));
    expect(response.status).toBe(201);
    expect((await s.get(`/v1/placement-requests?municipality=5501&limit=1`, 'auditor')).status).toBe(200);
  });

  it('stored no identity number in any event through all of the above', async () => {
    await expectNothingStored();
  });
});
