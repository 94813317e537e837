import { Scenario, type Caller } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * PRODUCT.md §6: bad input is a 400 naming each field, every date a real calendar date, a malformed
 * or tampered cursor a 400 naming `cursor`, and no input, however hostile, a 5xx.
 */
describe('hostile input', () => {
  let testApp: TestApp;
  let s: Scenario;
  let facilityId: string;
  let requestId: string;
  let offerId: string;
  let placedRequestId: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    facilityId = await s.facility({ places: 50 });
    requestId = await s.request();
    offerId = await s.offer(requestId, facilityId);
    placedRequestId = (await s.placed()).requestId;
    // Three more breaches and requests, so every list has a second page to point a cursor at.
    for (let n = 0; n < 3; n++) {
      const id = await s.request();
      expect((await s.post(`/v1/placement-requests/${id}/no-offer`, 'nordCoordinator', { reason: 'ingen plass' })).status).toBe(200);
    }
    for (let attempt = 0; attempt < 200 && (await s.get('/v1/breaches?limit=1', 'auditor')).body.nextCursor === null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await testApp.close();
  });

  function expectBadRequest(response: { status: number; headers: Record<string, string>; body: { errors?: { field: string }[] } }, field: string): void {
    expect({ status: response.status, type: response.headers['content-type'] }).toEqual({ status: 400, type: expect.stringMatching(/problem\+json/) });
    expect(response.body.errors?.map((error) => error.field)).toContain(field);
  }

  describe('every date is a real calendar date', () => {
    const bodies: [string, string, Caller, () => object, string][] = [
      ['neededBy 30 February', '/v1/placement-requests', 'tromso', () => s.requestBody({ neededBy: '2025-02-30' }), 'neededBy'],
      ['neededBy 29 February of a common year', '/v1/placement-requests', 'tromso', () => s.requestBody({ neededBy: '2025-02-29' }), 'neededBy'],
      ['neededBy 31 April as a date-time', '/v1/placement-requests', 'tromso', () => s.requestBody({ neededBy: '2025-04-31T12:00:00+02:00' }), 'neededBy'],
      ['neededBy month 13', '/v1/placement-requests', 'tromso', () => s.requestBody({ neededBy: '2025-13-01' }), 'neededBy'],
      ['neededBy day 00', '/v1/placement-requests', 'tromso', () => s.requestBody({ neededBy: '2025-03-00' }), 'neededBy'],
      ['neededBy in the year 0001', '/v1/placement-requests', 'tromso', () => s.requestBody({ neededBy: '0001-01-01' }), 'neededBy'],
      ['occurredAt hour 25', '/v1/placement-requests', 'tromso', () => s.requestBody({ occurredAt: '2025-03-03T25:00:00+01:00' }), 'occurredAt'],
      ['occurredAt minute 60', '/v1/placement-requests', 'tromso', () => s.requestBody({ occurredAt: '2025-03-03T10:60:00Z' }), 'occurredAt'],
      ['occurredAt offset +25:00', '/v1/placement-requests', 'tromso', () => s.requestBody({ occurredAt: '2025-03-03T10:00:00+25:00' }), 'occurredAt'],
      ['startDate 31 June', '/v1/placement-requests/{request}/offers', 'nordCoordinator', () => ({ facilityId, startDate: '2025-06-31' }), 'startDate'],
      ['placedAt 30 February', '/v1/placement-requests/{request}/placement', 'nordCoordinator', () => ({ offerId, placedAt: '2025-02-30T10:00:00+01:00' }), 'placedAt'],
      ['endedAt 31 September', '/v1/placement-requests/{placed}/placement/end', 'nordCoordinator', () => ({ endedAt: '2025-09-31T10:00:00+02:00', reason: 'planned' }), 'endedAt'],
      ['a facility occurredAt 30 February', '/v1/facilities', 'nordCoordinator', () => s.facilityBody({ occurredAt: '2024-02-30T10:00:00Z' }), 'occurredAt'],
      ['a capacity change occurredAt 31 November', '/v1/facilities/{facility}/capacity', 'nordCoordinator', () => ({ places: 3, reason: 'x', occurredAt: '2024-11-31T10:00:00Z' }), 'occurredAt'],
    ];

    it.each(bodies)('400 for %s, naming the field, and nothing is written', async (_, template, caller, body, field) => {
      const before = await s.eventCount(requestId);
      const path = template.replace('{request}', requestId).replace('{placed}', placedRequestId).replace('{facility}', facilityId);
      expectBadRequest(await s.post(path, caller, body()), field);
      expect(await s.eventCount(requestId)).toBe(before);
    });

    it.each([
      ['/v1/breaches?from=2025-02-30', 'from'],
      ['/v1/breaches?to=2025-04-31T00:00:00Z', 'to'],
      ['/v1/breaches?asOf=2025-02-29', 'asOf'],
      ['/v1/breaches/stats?groupBy=region&from=2025-02-30', 'from'],
      ['/v1/breaches/stats?groupBy=month&to=2025-06-31T00:00:00%2B02:00', 'to'],
      ['/v1/capacity?asOf=2023-02-29', 'asOf'],
      ['/v1/capacity?asOf=2025-01-01T24:00:00Z', 'asOf'],
    ])('400 for the query %s, naming the field', async (path, field) => {
      expectBadRequest(await s.get(path, 'auditor'), field);
    });

    it('accepts 29 February of a leap year and the last day of every month', async () => {
      expect((await s.get('/v1/breaches?from=2024-02-29&to=2024-12-31T23:59:59%2B01:00', 'auditor')).status).toBe(200);
      expect((await s.get('/v1/capacity?asOf=2024-02-29', 'auditor')).status).toBe(200);
    });
  });

  describe('a cursor is either one the list issued, for the same filters, or a 400', () => {
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    let breachCursor: string;
    let requestCursor: string;

    beforeAll(async () => {
      breachCursor = (await s.get('/v1/breaches?limit=1', 'auditor')).body.nextCursor;
      requestCursor = (await s.get('/v1/placement-requests?limit=1', 'auditor')).body.nextCursor;
      expect(typeof breachCursor).toBe('string');
      expect(typeof requestCursor).toBe('string');
    });

    const edit = (cursor: string, change: (key: unknown[]) => unknown) => {
      const [body, mac] = cursor.split('.');
      return `${b64(change(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown[]))}.${mac}`;
    };

    const tampered: [string, () => string][] = [
      ['not base64', () => '!!!***'],
      ['base64 of garbage', () => b64('garbage')],
      ['an unsigned cursor of the old kind', () => b64(['2025-03-03T10:00:00.000Z', '00000000-0000-4000-8000-000000000000'])],
      ['an edited timestamp, signature kept', () => edit(breachCursor, (key) => ['1970-01-01T00:00:00.000Z', key[1]])],
      ['an SQL-ish id, signature kept', () => edit(breachCursor, (key) => [key[0], "x' OR '1'='1"])],
      ['wrong types, signature kept', () => edit(breachCursor, () => [1e308, { $gt: '' }])],
      ['a huge number', () => b64([99999999999999999999999, '1'])],
      ['a signature of the wrong length', () => `${breachCursor.split('.')[0]}.abc`],
      ['a cursor of the request list', () => requestCursor],
      ['a very long value', () => 'A'.repeat(5_000)],
    ];

    it.each(tampered)('400 naming cursor on the breach list for %s', async (_, cursor) => {
      expectBadRequest(await s.get(`/v1/breaches?limit=1&cursor=${encodeURIComponent(cursor())}`, 'auditor'), 'cursor');
    });

    it.each(tampered.filter(([name]) => name !== 'a cursor of the request list'))('400 naming cursor on the request list for %s', async (_, cursor) => {
      const value = cursor().replace(breachCursor.split('.')[0], requestCursor.split('.')[0]);
      expectBadRequest(await s.get(`/v1/placement-requests?limit=1&cursor=${encodeURIComponent(value)}`, 'auditor'), 'cursor');
    });

    it('400 for a breach cursor from the request list, and for a cursor used with other filters', async () => {
      expectBadRequest(await s.get(`/v1/placement-requests?limit=1&cursor=${encodeURIComponent(breachCursor)}`, 'auditor'), 'cursor');
      expectBadRequest(await s.get(`/v1/breaches?limit=1&region=oslo&cursor=${encodeURIComponent(breachCursor)}`, 'auditor'), 'cursor');
      expectBadRequest(await s.get(`/v1/placement-requests?limit=1&status=placed&cursor=${encodeURIComponent(requestCursor)}`, 'auditor'), 'cursor');
      expectBadRequest(await s.get(`/v1/breaches?cursor=${encodeURIComponent(breachCursor)}&type=NO_OFFER_DECLARED`, 'auditor').set('Accept', 'text/csv'), 'cursor');
    });

    it('still follows a genuine cursor, also with another page size', async () => {
      const next = await s.get(`/v1/breaches?limit=2&cursor=${encodeURIComponent(breachCursor)}`, 'auditor');
      expect(next.status).toBe(200);
      expect(next.body.items.length).toBeGreaterThan(0);
      expect((await s.get(`/v1/placement-requests?limit=3&cursor=${encodeURIComponent(requestCursor)}`, 'auditor')).status).toBe(200);
    });
  });

  describe('no input produces a 5xx', () => {
    const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const hostileValues: [string, unknown][] = [
      ['a huge number', 1e308],
      ['an unsafe integer', 2 ** 53 + 1],
      ['a negative huge number', -1e308],
      ['an array', ['a', 'b']],
      ['an object', { a: 1 }],
      ['null', null],
      ['a NUL byte', 'a\u0000b'],
      ['a lone surrogate', 'a\ud800b'],
      ['a control character', 'a\u0007b'],
      ['a long string', 'x'.repeat(20_000)],
      ['unicode', 'Ærlig talt 😀 ‮ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
      ['SQL', "'; DROP TABLE es_events; --"],
      ['an empty string', ''],
      ['true', true],
    ];
    const routes: [string, Caller, () => string, () => Record<string, unknown>][] = [
      ['file', 'tromso', () => '/v1/placement-requests', () => s.requestBody()],
      ['offer', 'nordCoordinator', () => `/v1/placement-requests/${requestId}/offers`, () => ({ facilityId, startDate: '2025-03-03' })],
      ['refuse', 'tromso', () => `/v1/placement-requests/${requestId}/offers/${offerId}/refuse`, () => ({ reason: 'other', comment: 'x' })],
      ['no-offer', 'nordCoordinator', () => `/v1/placement-requests/${requestId}/no-offer`, () => ({ reason: 'x' })],
      ['place', 'nordCoordinator', () => `/v1/placement-requests/${requestId}/placement`, () => ({ offerId, placedAt: '2025-03-03T10:00:00+01:00' })],
      ['end', 'nordCoordinator', () => `/v1/placement-requests/${placedRequestId}/placement/end`, () => ({ endedAt: '2025-03-03T10:00:00+01:00', reason: 'planned' })],
      ['register facility', 'nordCoordinator', () => '/v1/facilities', () => s.facilityBody()],
      ['capacity', 'nordCoordinator', () => `/v1/facilities/${facilityId}/capacity`, () => ({ places: 50, reason: 'x' })],
    ];

    it.each(routes)('never a 5xx on %s, whatever a field holds', async (_, caller, path, body) => {
      const seen: string[] = [];
      for (const field of Object.keys(body())) {
        for (const [name, value] of hostileValues) {
          const response = await s.post(path(), caller, { ...body(), [field]: value });
          if (response.status >= 500) seen.push(`${field} = ${name}: ${response.status} ${JSON.stringify(response.body)}`);
        }
      }
      expect(seen).toEqual([]);
    });

    it.each([
      ['a __proto__ key', '{"__proto__":{"role":"admin"},"reason":"x"}'],
      ['a constructor.prototype key', '{"constructor":{"prototype":{"x":1}},"reason":"x"}'],
      ['50,000 nested arrays', `{"reason":${deep(50_000)}}`],
      ['deep objects', `{"reason":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`],
      ['a JSON array', '[{"reason":"x"}]'],
      ['a JSON string', '"x"'],
      ['a JSON number', '42'],
      ['duplicate keys', '{"reason":"x","reason":["y"]}'],
      ['an escaped NUL', '{"reason":"a\\u0000b"}'],
      ['an escaped lone surrogate', '{"reason":"a\\udc00b"}'],
      ['a NUL in a key', '{"rea\\u0000son":"x"}'],
    ])('400 for a body with %s, and nothing is written', async (_, raw) => {
      const before = await s.eventCount(requestId);
      const response = await s.http().post(`/v1/placement-requests/${requestId}/no-offer`).set('Authorization', s.as('nordCoordinator')).set('Content-Type', 'application/json').send(raw);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await s.eventCount(requestId)).toBe(before);
      expect(({} as Record<string, unknown>).role).toBeUndefined();
    });

    it.each([
      ['text/plain', 'reason=x'],
      ['application/x-www-form-urlencoded', 'reason=x&reason=y'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="reason"\r\n\r\nx\r\n--x--'],
      ['application/xml', '<reason>x</reason>'],
      ['application/json; charset=latin1', '{"reason":"x"}'],
    ])('4xx for a body of type %s', async (type, raw) => {
      const response = await s.http().post(`/v1/placement-requests/${requestId}/no-offer`).set('Authorization', s.as('nordCoordinator')).set('Content-Type', type).send(raw);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });

    const queries = [
      'limit=1e9',
      'limit=-1',
      'limit=0',
      'limit=99999999999999999999999',
      'limit=1.5',
      'limit=',
      'limit=1&limit=2',
      'region=nord&region=oslo',
      'municipality=5501&municipality=0301',
      'cursor=a&cursor=b',
      '__proto__=x',
      'constructor[prototype][x]=1',
      'region[]=nord',
      'status=%00',
      'municipality=%E2%80%AE5501',
      'urgency=' + 'a'.repeat(4_000),
      'from=2025-01-01&to=2024-01-01',
      'from[]=2025-01-01',
      'asOf=2025-01-01T00:00:00%2B99:00',
      'includeRetracted=yes',
      'includeRetracted=true&includeRetracted=false',
      'type=NO_OFFER_DECLARED&type=x',
      'groupBy=region&groupBy=month',
      'requestId=' + encodeURIComponent("' OR 1=1 --"),
      'requestId=00000000-0000-0000-0000-000000000000&requestId=x',
      'kind=%F0%9F%98%80',
    ];
    const lists = ['/v1/placement-requests', '/v1/breaches', '/v1/breaches/stats', '/v1/capacity', '/v1/capacity/matches'];

    it.each(lists)('never a 5xx on %s, whatever the query string holds', async (path) => {
      const seen: string[] = [];
      for (const query of queries) {
        for (const accept of ['application/json', 'text/csv']) {
          const response = await s.get(`${path}?${query}`, 'auditor').set('Accept', accept);
          if (response.status >= 500) seen.push(`${query} (${accept}): ${response.status} ${response.text.slice(0, 200)}`);
        }
      }
      expect(seen).toEqual([]);
    });

    it.each([
      ['a malformed percent-encoding in a path id', '/v1/facilities/%E0%A4%A'],
      ['a NUL in a path id', '/v1/placement-requests/%00'],
      ['a long path id', `/v1/placement-requests/${'a'.repeat(2_000)}`],
      ['a path id that is almost a UUID', '/v1/placement-requests/00000000-0000-0000-0000-00000000000g/events'],
    ])('4xx for %s', async (_, path) => {
      const response = await s.get(path, 'auditor');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });

    it.each([
      ['If-Match', '"99999999999999999999"'],
      ['If-Match', 'W/"-1"'],
      ['Idempotency-Key', 'k'.repeat(500)],
      ['X-Correlation-Id', '../../etc/passwd'],
      ['X-Min-Position', '-1'],
      ['X-Min-Position', 'NaN'],
    ])('4xx for the header %s: %s', async (header, value) => {
      const response = await s.http().post(`/v1/placement-requests/${requestId}/no-offer`).set('Authorization', s.as('nordCoordinator')).set(header, value).send({ reason: 'x' });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });
  });
});
