import { randomUUID } from 'node:crypto';
import type { DevTokenOptions } from '@bistand/auth/dev-token';
import { Scenario, scenarioPerFile } from './support/scenario';
import { bearer } from './support/tokens';

/**
 * PRODUCT.md §6, scope comes first: a caller outside the request's or facility's scope gets 403
 * before any precondition is looked at. No 412 (If-Match), 409 (wrong status, id taken with another
 * body), 422 (Idempotency-Key reused) or "same id again" 200 may tell it anything about the
 * resource. The request here belongs to Tromsø (5501, region nord); the outsiders are Oslo's
 * municipality and Oslo's coordinators. Each case also shows that an insider gets the precondition's
 * answer, so the 403 is not just every answer.
 */
describe('scope before preconditions', () => {
  const scenario = scenarioPerFile();
  let s: Scenario;
  beforeEach(() => {
    s = scenario();
  });

  const as = (options: DevTokenOptions) => bearer(s.testApp.config, options);
  const post = (path: string, authorization: string, body: object, headers: Record<string, string> = {}) => {
    const call = s.http().post(path).set('Authorization', authorization);
    for (const [name, value] of Object.entries(headers)) call.set(name, value);
    return call.send(body);
  };
  const oslo = () => s.as('oslo');
  const osloCoordinator = () => s.as('osloCoordinator');

  const forbidden = (response: { status: number; body: { code?: string }; headers: Record<string, string> }) => {
    expect([response.status, response.body.code, response.headers['content-type']]).toEqual([403, 'SCOPE.FORBIDDEN', expect.stringMatching(/problem\+json/)]);
  };

  it('403, not 412, for an outsider sending a stale If-Match on a request command', async () => {
    const { requestId, offerId } = await s.accepted();
    const stale = { 'If-Match': '"0"' };
    forbidden(await post(`/v1/placement-requests/${requestId}/withdraw`, oslo(), { reason: 'x' }, stale));
    forbidden(await post(`/v1/placement-requests/${requestId}/offers/${offerId}/withdraw`, osloCoordinator(), { reason: 'x' }, stale));
    expect((await post(`/v1/placement-requests/${requestId}/withdraw`, s.as('tromso'), { reason: 'x' }, stale)).status).toBe(412);
  });

  it('403, not 412, for an outsider sending a stale If-Match on a facility command', async () => {
    const facilityId = await s.facility();
    await s.post(`/v1/facilities/${facilityId}/capacity`, 'nordCoordinator', { places: 3, reason: 'x' });
    forbidden(await post(`/v1/facilities/${facilityId}/capacity`, osloCoordinator(), { places: 4, reason: 'x' }, { 'If-Match': '"0"' }));
    expect((await post(`/v1/facilities/${facilityId}/capacity`, s.as('nordCoordinator'), { places: 4, reason: 'x' }, { 'If-Match': '"0"' })).status).toBe(412);
  });

  it('403, not the "same id again" 200, for an outsider repeating an offer with its offer id and body', async () => {
    const facilityId = await s.facility();
    const requestId = await s.request();
    const body = { facilityId, startDate: '2030-01-01', offerId: randomUUID() };
    expect((await post(`/v1/placement-requests/${requestId}/offers`, s.as('nordCoordinator'), body)).status).toBe(201);
    forbidden(await post(`/v1/placement-requests/${requestId}/offers`, osloCoordinator(), body));
    expect((await post(`/v1/placement-requests/${requestId}/offers`, s.as('nordCoordinator'), body)).status).toBe(200);
  });

  it('403, not 409, for filing a request under an id that belongs to another municipality', async () => {
    const requestId = await s.request();
    forbidden(await post('/v1/placement-requests', oslo(), s.requestBody({ id: requestId, municipality: '0301' })));
    expect((await post('/v1/placement-requests', s.as('tromso'), s.requestBody({ id: requestId }))).status).toBe(409);
  });

  it('403, not 409, for registering a facility under an id that belongs to another region', async () => {
    const facilityId = await s.facility();
    forbidden(await post('/v1/facilities', osloCoordinator(), s.facilityBody({ id: facilityId, region: 'oslo', municipality: '0301' })));
    expect((await post('/v1/facilities', s.as('nordCoordinator'), s.facilityBody({ id: facilityId, name: 'Another name' }))).status).toBe(409);
  });

  it('403, not 422, for a caller whose scope no longer covers the request reusing its Idempotency-Key with another body', async () => {
    const { requestId, offerId } = await s.accepted();
    const key = { 'Idempotency-Key': `place-${randomUUID()}` };
    const placedAt = new Date().toISOString();
    expect((await post(`/v1/placement-requests/${requestId}/placement`, s.as('nordCoordinator'), { offerId, placedAt }, key)).status).toBe(200);
    // The same user (sub), moved to region oslo since: its token no longer covers a nord request.
    const moved = as({ role: 'coordinator', region: 'oslo', sub: 'nord-coordinator' });
    forbidden(await post(`/v1/placement-requests/${requestId}/placement`, moved, { offerId, placedAt: new Date(Date.now() + 1000).toISOString() }, key));
    forbidden(await post(`/v1/placement-requests/${requestId}/placement`, moved, { offerId, placedAt }, key));
    expect((await post(`/v1/placement-requests/${requestId}/placement`, s.as('nordCoordinator'), { offerId, placedAt: new Date(Date.now() + 1000).toISOString() }, key)).status).toBe(422);
  });

  it('403, not 409, for an outsider acting on a request in a status that does not fit the command', async () => {
    const { requestId, offerId } = await s.placed();
    forbidden(await post(`/v1/placement-requests/${requestId}/withdraw`, oslo(), { reason: 'x' }));
    forbidden(await post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, oslo(), {}));
    forbidden(await post(`/v1/placement-requests/${requestId}/no-offer`, osloCoordinator(), { reason: 'x' }));
    expect((await post(`/v1/placement-requests/${requestId}/withdraw`, s.as('tromso'), { reason: 'x' })).status).toBe(409);
  });

  it('writes nothing for any of these outsiders', async () => {
    const { requestId, offerId } = await s.accepted();
    const before = await s.eventCount(requestId);
    await post(`/v1/placement-requests/${requestId}/withdraw`, oslo(), { reason: 'x' }, { 'If-Match': `"${before - 1}"` });
    await post(`/v1/placement-requests/${requestId}/placement`, osloCoordinator(), { offerId, placedAt: new Date().toISOString() });
    expect(await s.eventCount(requestId)).toBe(before);
  });
});
