import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';
import { Scenario, type Caller } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * DTO fuzzing (issue 8, "How to prove it" (c); PRODUCT.md §6): every command and query route gets
 * fast-check-generated hostile input — wrong types, missing and extra fields, huge, negative and
 * non-finite numbers, impossible dates (2025-02-30), long strings, unicode, `__proto__`, arrays,
 * nulls, malformed JSON, hostile path ids and query strings. Whatever comes in:
 * - never a 5xx;
 * - every 4xx is RFC 9457 `application/problem+json` with its status in the body;
 * - a rejected command stores nothing: the event store's head (max position and row count of
 *   `es_events`) is the same after it as before.
 */

const RUNS_PER_ROUTE = 60;

/**
 * Bugs this file found that are not fixed yet (reported in /tmp/bugs-models.md): the fuzzing
 * passes them by so that it guards everything else, and an `it.failing` names each; delete the
 * entry and flip its `it.failing` once the fix lands. (None open: #1, a facility without location
 * answered 500, is fixed and guarded below.)
 */
function knownBug(_route: string, _text: string): string | undefined {
  return undefined;
}

/** Strings an attacker or a confused client sends. */
const NASTY_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '0x10',
  '2025-02-30',
  '2025-02-29',
  '2024-02-30T10:00:00+01:00',
  '2025-02-30T10:00:00Z',
  '2025-13-01',
  '2025-00-10',
  '0000-01-01',
  '9999-12-31T23:59:59+14:00',
  '2025-03-03T24:00:00Z',
  '2025-03-03T23:60:00Z',
  '2025-03-03T10:00:00+25:00',
  '2025-03-03T10:00:00',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2025-03-03T10:00:00.1234567891Z',
  '💥🧒🏽',
  'Tromsø ÆØÅ æøå',
  '\u0000',
  '\u202e\u202d',
  '\ud800',
  'a'.repeat(5_000),
  '../../etc/passwd',
  "' OR 1=1 --",
  '{"$gt":""}',
  '<script>alert(1)</script>',
  '%00',
  '5f0c4a7e-0000-4000-8000-00000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(0, -0, -1, 1.5, 0.1, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, 2 ** 64, 1990, 2100, 2101, 500, 501, 57, 72.0001, 3.9999),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.uuid(),
);

const { value: hostileValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileScalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'lat', 'lon')), tie('value'), { maxKeys: 3 }),
  ),
}));

/** A raw JSON text with a key JSON.stringify cannot write as an own property (`__proto__`). */
function withProtoKey(body: Record<string, unknown>, polluted: unknown): string {
  const text = JSON.stringify(body);
  const proto = `"__proto__":${JSON.stringify(polluted) ?? 'null'}`;
  return text === '{}' ? `{${proto}}` : text.replace(/^\{/, `{${proto},`);
}

/** What one generated input sends: a JSON text (or a raw text with a content type). */
interface Sent {
  text: string;
  contentType: string;
  label: string;
}

/** Hostile bodies around a valid one: each field wrong, missing, extra, or the whole body replaced. */
function hostileBodies(valid: () => Record<string, unknown>): fc.Arbitrary<Sent> {
  const json = (label: string, value: unknown): Sent => ({ text: JSON.stringify(value) ?? 'null', contentType: 'application/json', label });
  const fields = Object.keys(valid());
  const field = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('x');
  return fc.oneof(
    // one field replaced by something hostile
    fc.tuple(field, hostileValue).map(([name, value]) => json(`${name} := ${JSON.stringify(value)?.slice(0, 80)}`, { ...valid(), [name]: value })),
    // several fields replaced
    fc.array(fc.tuple(field, hostileValue), { minLength: 2, maxLength: 4 }).map((pairs) => json('several fields', { ...valid(), ...Object.fromEntries(pairs) })),
    // one field missing
    field.map((name) => {
      const body = valid();
      delete body[name];
      return json(`without ${name}`, body);
    }),
    // an extra field, also the prototype's own keys
    fc.tuple(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('constructor', 'prototype', 'isAdmin', 'role')), hostileValue).map(([name, value]) => json(`extra ${name}`, { ...valid(), [name]: value })),
    hostileValue.map((value): Sent => ({ text: withProtoKey(valid(), value), contentType: 'application/json', label: '__proto__ key' })),
    // the body is not an object at all
    hostileValue.map((value) => json('whole body', value)),
    // not JSON, or not declared as JSON
    fc.constantFrom<Sent>(
      { text: '{"a":', contentType: 'application/json', label: 'truncated JSON' },
      { text: "{'single': 'quotes'}", contentType: 'application/json', label: 'not JSON' },
      { text: '', contentType: 'application/json', label: 'empty JSON body' },
      { text: 'null', contentType: 'application/json', label: 'JSON null' },
      { text: '"just a string"', contentType: 'application/json', label: 'JSON string' },
      { text: '[1,2,3]', contentType: 'application/json', label: 'JSON array' },
      { text: 'reason=x&places=2', contentType: 'application/x-www-form-urlencoded', label: 'form body' },
      { text: 'places[__proto__][x]=1&reason=y', contentType: 'application/x-www-form-urlencoded', label: 'form __proto__' },
      { text: 'hello', contentType: 'text/plain', label: 'text body' },
      { text: `{"reason":"${'x'.repeat(3_000_000)}"}`, contentType: 'application/json', label: '3 MB body' },
      { text: '{"a":'.repeat(5_000), contentType: 'application/json', label: 'deep nesting' },
    ),
  );
}

/** Path ids: mostly the real one (to reach the validation of the body), sometimes a hostile one. */
function hostileId(real: () => string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(null).map(() => real()) },
    { weight: 1, arbitrary: fc.constantFrom('not-a-uuid', '__proto__', 'constructor', '%E0%A4%A', '%00', '..%2F..%2Fadmin', '%F0%9F%92%A5', 'x'.repeat(3_000), '5F0C4A7E-0000-4000-8000-000000000001', ' ', '1') },
    { weight: 1, arbitrary: fc.uuid() },
  );
}

describe('hostile input on every route: never a 5xx, always problem+json, nothing stored on a 4xx', () => {
  let testApp: TestApp;
  let s: Scenario;
  let pool: Pool;
  let facilityId: string;
  let requestId: string;
  let offerId: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    pool = new Pool({ connectionString: testApp.database.url, max: 2 });
    facilityId = await s.facility({ places: 500 });
    // Filed now: its deadline lies two hours ahead, so the watcher appends nothing while we fuzz.
    requestId = await s.request();
    offerId = await s.offer(requestId, facilityId);
  });
  afterAll(async () => {
    await pool?.end();
    await testApp?.close();
  });

  /**
   * The store's head as far as callers' commands go: the deadline watcher's own appends (a
   * backdated request a fuzzed body happened to file validly) are not the rejected command's doing.
   */
  async function storeHead(): Promise<string> {
    const { rows } = await pool.query<{ head: string; events: string }>(
      "SELECT coalesce(max(position), 0)::text AS head, count(*)::text AS events FROM es_events WHERE metadata->'actor'->>'role' IS DISTINCT FROM 'system'",
    );
    return `${rows[0].head}/${rows[0].events}`;
  }

  /**
   * A 503 READ_MODEL.BEHIND comes from the server's state, not from the input (the read models
   * held back, e.g. by a long transaction elsewhere on the shared test server, /tmp/bugs-models.md
   * #2): retried a few times like a client would, so the fuzzing judges the input alone.
   */
  async function heldBackRetried<R extends { status: number; body: { code?: unknown } }>(send: () => PromiseLike<R>): Promise<R> {
    let response = await send();
    for (let attempt = 1; response.status === 503 && response.body?.code === 'READ_MODEL.BEHIND' && attempt <= 3; attempt++) response = await send();
    return response;
  }

  function checkAnswer(what: string, response: { status: number; headers: Record<string, string>; body: Record<string, unknown>; text: string }): void {
    const context = `${what} → ${response.status} ${response.text?.slice(0, 300)}`;
    if (response.status >= 500) throw new Error(`5xx for hostile input: ${context}`);
    if (response.status >= 400) {
      if (!/^application\/problem\+json/.test(response.headers['content-type'] ?? '')) throw new Error(`a ${response.status} that is not problem+json: ${context}`);
      const problem = JSON.parse(response.text) as Record<string, unknown>;
      if (problem.status !== response.status || typeof problem.title !== 'string' || typeof problem.type !== 'string') throw new Error(`a malformed problem: ${context}`);
    }
  }

  interface CommandRoute {
    name: string;
    caller: Caller;
    path: (ids: { requestId: string; offerId: string; facilityId: string }) => string;
    valid: () => Record<string, unknown>;
  }

  const now = () => new Date().toISOString();
  const commandRoutes: CommandRoute[] = [
    { name: 'register a facility', caller: 'admin', path: () => '/v1/facilities', valid: () => s.facilityBody({ id: randomUUID(), places: 500 }) },
    { name: 'change capacity', caller: 'admin', path: (i) => `/v1/facilities/${i.facilityId}/capacity`, valid: () => ({ places: 500, reason: 'more staff', occurredAt: now() }) },
    { name: 'suspend a facility', caller: 'admin', path: (i) => `/v1/facilities/${i.facilityId}/suspend`, valid: () => ({ reason: 'inspection', occurredAt: now() }) },
    { name: 'resume a facility', caller: 'admin', path: (i) => `/v1/facilities/${i.facilityId}/resume`, valid: () => ({ reason: 'done', occurredAt: now() }) },
    { name: 'close a facility', caller: 'admin', path: () => `/v1/facilities/${randomUUID()}/close`, valid: () => ({ reason: 'closing', occurredAt: now() }) },
    { name: 'file a request', caller: 'tromso', path: () => '/v1/placement-requests', valid: () => s.requestBody({ id: randomUUID(), occurredAt: now() }) },
    { name: 'make an offer', caller: 'nordCoordinator', path: (i) => `/v1/placement-requests/${i.requestId}/offers`, valid: () => ({ offerId: randomUUID(), facilityId, startDate: '2025-03-03', overbook: false, occurredAt: now() }) },
    { name: 'accept an offer', caller: 'tromso', path: (i) => `/v1/placement-requests/${i.requestId}/offers/${i.offerId}/accept`, valid: () => ({ occurredAt: now() }) },
    { name: 'refuse an offer', caller: 'tromso', path: (i) => `/v1/placement-requests/${i.requestId}/offers/${i.offerId}/refuse`, valid: () => ({ reason: 'too_far', comment: 'far', occurredAt: now() }) },
    { name: 'withdraw an offer', caller: 'nordCoordinator', path: (i) => `/v1/placement-requests/${i.requestId}/offers/${i.offerId}/withdraw`, valid: () => ({ reason: 'taken', occurredAt: now() }) },
    { name: 'declare no offer', caller: 'nordCoordinator', path: (i) => `/v1/placement-requests/${i.requestId}/no-offer`, valid: () => ({ reason: 'none', occurredAt: now() }) },
    { name: 'place the child', caller: 'nordCoordinator', path: (i) => `/v1/placement-requests/${i.requestId}/placement`, valid: () => ({ offerId, placedAt: now() }) },
    { name: 'end a placement', caller: 'nordCoordinator', path: (i) => `/v1/placement-requests/${i.requestId}/placement/end`, valid: () => ({ endedAt: now(), reason: 'planned' }) },
    { name: 'withdraw a request', caller: 'tromso', path: (i) => `/v1/placement-requests/${i.requestId}/withdraw`, valid: () => ({ reason: 'moved', occurredAt: now() }) },
    { name: 'retry parked events', caller: 'admin', path: () => '/v1/admin/parked-events/retry', valid: () => ({}) },
  ];

  const headerValue = fc.oneof(
    fc.constantFrom('"0"', '"-1"', '"1.5"', '"99999999999999999999999"', 'W/"1"', '*', '', 'latest', '🙂'.length.toString()),
    fc.string({ unit: fc.constantFrom(...'abcXYZ019-_"/:. '.split('')), maxLength: 40 }),
  );

  for (const route of commandRoutes) {
    it(`POST ${route.name}: hostile bodies, ids and headers never give a 5xx, and a 4xx stores nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          hostileBodies(route.valid),
          hostileId(() => requestId),
          hostileId(() => offerId),
          fc.option(fc.record({ name: fc.constantFrom('If-Match', 'Idempotency-Key', 'X-Correlation-Id'), value: headerValue }), { nil: undefined }),
          async (sent, fuzzedRequestId, fuzzedOfferId, header) => {
            fc.pre(knownBug(route.name, sent.text) === undefined);
            const path = route.path({ requestId: fuzzedRequestId, offerId: fuzzedOfferId, facilityId });
            const before = await storeHead();
            const send = () => {
              const call = s.http().post(path).set('Authorization', s.as(route.caller)).set('Content-Type', sent.contentType);
              return (header ? call.set(header.name, header.value) : call).send(sent.text);
            };
            const response = await heldBackRetried(send);
            checkAnswer(`POST ${path.slice(0, 120)} [${sent.label}]${header ? ` ${header.name}: ${header.value}` : ''}`, response);
            if (response.status >= 400) {
              const after = await storeHead();
              if (after !== before) throw new Error(`a ${response.status} stored events (head ${before} → ${after}): POST ${path} [${sent.label}] ${sent.text.slice(0, 200)}`);
            }
          },
        ),
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    }, 120_000);
  }

  /** Every field of every command, one at a time: left out, or set to each of these. */
  const SYSTEMATIC_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', '__proto__', '2025-02-30', 'x'.repeat(2_000), [], {}, ['a'], { lat: 60 }];

  for (const route of commandRoutes) {
    it(`POST ${route.name}: each field left out or set to each hostile value gives a 4xx problem or a success, never a 5xx, and a 4xx stores nothing`, async () => {
      const failures: string[] = [];
      const variants: { label: string; body: Record<string, unknown> }[] = [];
      for (const field of Object.keys(route.valid())) {
        const without = route.valid();
        delete without[field];
        variants.push({ label: `without ${field}`, body: without });
        for (const value of SYSTEMATIC_VALUES) variants.push({ label: `${field} := ${JSON.stringify(value).slice(0, 30)}`, body: { ...route.valid(), [field]: value } });
      }
      for (const { label, body } of variants) {
        if (knownBug(route.name, JSON.stringify(body))) continue;
        const path = route.path({ requestId, offerId, facilityId });
        const before = await storeHead();
        const response = await heldBackRetried(() => s.http().post(path).set('Authorization', s.as(route.caller)).send(body));
        try {
          checkAnswer(`POST ${path} [${label}]`, response);
          if (response.status >= 400 && (await storeHead()) !== before) throw new Error(`a ${response.status} stored events: POST ${path} [${label}]`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      expect(failures).toEqual([]);
    }, 120_000);
  }

  // Found by this file (/tmp/bugs-models.md #1): RegisterFacilityDto.location had @ValidateNested
  // but no @IsDefined, so a body without it reached the handler, which read location.lat → 500.
  it('400 naming location, storing nothing, when a facility is registered without location', async () => {
    const before = await storeHead();
    const { location: _, ...body } = s.facilityBody();
    const response = await s.post('/v1/facilities', 'admin', body);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('location');
    expect(await storeHead()).toBe(before);
  });

  it('a second command with a used Idempotency-Key appends nothing: the same body replays the answer, another body is a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('same', 'other childRef', 'hostile'), hostileValue, fc.constantFrom('childRef', 'birthYear', 'urgency', 'neededBy', 'occurredAt'), async (second, value, field) => {
        const key = `fuzz-${randomUUID()}`;
        const first = s.requestBody({ id: randomUUID(), occurredAt: now() });
        const answered = await s.post('/v1/placement-requests', 'tromso', first).set('Idempotency-Key', key);
        expect(answered.status).toBe(201);
        const body = second === 'same' ? first : second === 'other childRef' ? { ...first, childRef: `other-${randomUUID().slice(0, 8)}` } : { ...first, [field]: value };
        const before = await storeHead();
        const again = await s.post('/v1/placement-requests', 'tromso', body).set('Idempotency-Key', key);
        checkAnswer(`retry (${second}) with Idempotency-Key`, again);
        expect(await storeHead()).toBe(before);
        if (JSON.stringify(body) === JSON.stringify(first)) expect([again.status < 300, again.body.id, again.body.position]).toEqual([true, answered.body.id, answered.body.position]);
        else expect(again.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 30, endOnFailure: true },
    );
  }, 120_000);

  /**
   * Tokens signed with the right secret but with hostile claims: the signature makes them
   * authentic, not well-formed. A `municipalities` that is a string or an object, a `role` that is
   * an array, a `sub` that is a number: 401 (or a 403/404 in scope terms), never a 5xx.
   */
  /** An HS256 token over any JSON payload (jsonwebtoken's sign() refuses malformed standard claims). */
  function signRaw(payload: unknown, secret: string): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
    const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  }

  it('tokens with hostile claims get a 4xx problem on commands and reads, never a 5xx, and store nothing', async () => {
    // mostly well-formed, so that one hostile claim at a time gets past the signature and expiry checks
    const mostly = (good: fc.Arbitrary<unknown>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constantFrom<unknown>('5501', ['5501', 5501], { 0: '5501', length: 1 }, ['__proto__'], 'nord', ['nord'], 'system', '') });
    const claims = fc.record(
      {
        sub: mostly(fc.constantFrom('fuzz-user', 'tromso-leader')),
        role: mostly(fc.constantFrom('municipality', 'coordinator', 'auditor', 'admin')),
        municipalities: mostly(fc.constantFrom(['5501'], ['0301', '5501'], [])),
        region: mostly(fc.constantFrom('nord', 'oslo')),
        exp: mostly(fc.constant(Math.floor(Date.now() / 1000) + 3_600)),
        nbf: hostileValue,
        iat: hostileValue,
      },
      { requiredKeys: ['exp'] },
    );
    const secret = testApp.config.jwt.algorithm === 'HS256' ? testApp.config.jwt.secret : '';
    await fc.assert(
      fc.asyncProperty(claims, fc.constantFrom('command', 'read', 'list', 'breaches'), async (payload, what) => {
        const token = signRaw(payload, secret);
        const auth = `Bearer ${token}`;
        const before = await storeHead();
        const response =
          what === 'command'
            ? await s.http().post(`/v1/placement-requests/${requestId}/no-offer`).set('Authorization', auth).send({ reason: 'x' })
            : what === 'read'
              ? await s.http().get(`/v1/placement-requests/${requestId}`).set('Authorization', auth)
              : what === 'list'
                ? await s.http().get('/v1/placement-requests?limit=5').set('Authorization', auth)
                : await s.http().get('/v1/breaches?limit=5').set('Authorization', auth);
        checkAnswer(`${what} with claims ${JSON.stringify(payload).slice(0, 200)}`, response);
        if (what === 'command' && response.status >= 400) expect(await storeHead()).toBe(before);
      }),
      { numRuns: 300, endOnFailure: true },
    );
  }, 120_000);

  it('malformed and forged Authorization headers are 401 problems', async () => {
    const secret = testApp.config.jwt.algorithm === 'HS256' ? testApp.config.jwt.secret : '';
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"x","role":"admin"}').toString('base64url')}.`;
    const headers = [
      'Bearer',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer x.y.z',
      `Bearer ${none}`,
      `Bearer ${jwt.sign({ sub: 'x', role: 'admin' }, 'another secret')}`,
      `Bearer ${jwt.sign({ sub: 'x', role: 'admin', exp: 1 }, secret, { noTimestamp: true })}`,
      `Bearer ${'a'.repeat(5_000)}`,
      `bearer ${jwt.sign({ sub: 'x', role: 'admin' }, 'another secret')}`,
    ];
    for (const header of headers) {
      const response = await s.http().get('/v1/breaches').set('Authorization', header);
      checkAnswer(`Authorization: ${header.slice(0, 60)}`, response);
      expect([header.slice(0, 40), response.status]).toEqual([header.slice(0, 40), 401]);
    }
  });

  it('a signed token claiming the role "system" (the deadline watcher’s actor) is 401: nobody can act as the system', async () => {
    const secret = testApp.config.jwt.algorithm === 'HS256' ? testApp.config.jwt.secret : '';
    const token = signRaw({ sub: 'system', role: 'system', exp: Math.floor(Date.now() / 1000) + 600 }, secret);
    const before = await storeHead();
    const response = await s.http().post(`/v1/placement-requests/${requestId}/no-offer`).set('Authorization', `Bearer ${token}`).send({ reason: 'x' });
    expect(response.status).toBe(401);
    expect(await storeHead()).toBe(before);
  });

  /** Query strings: known keys with hostile values, repeated keys, unknown and prototype keys. */
  function hostileQuery(keys: string[]): fc.Arbitrary<string> {
    const value = fc.oneof(fc.constantFrom(...NASTY_STRINGS.filter((n) => n.length < 1_000)), fc.string({ maxLength: 20 }), fc.integer().map(String), fc.constantFrom('true', 'false', '0', '500', '501', 'acute', 'nord', '5501', 'region', '%', '%E0%A4%A'));
    const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'unknown', `${keys[0]}[]`, `${keys[0]}[__proto__]`, `${keys[0]}[a]`) });
    return fc.array(fc.tuple(key, value, fc.boolean()), { maxLength: 5 }).map((pairs) =>
      // sometimes raw (malformed percent-encoding reaches the server as it is)
      pairs.map(([k, v, raw]) => `${encode(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${raw ? encode(v).replace(/%25/g, '%') : encode(v)}`).join('&'),
    );
  }

  /** Percent-encodes; a lone surrogate becomes the invalid UTF-8 bytes of one, as a hostile client would send. */
  function encode(text: string): string {
    return [...text].map((char) => {
      try {
        return encodeURIComponent(char);
      } catch {
        return '%ED%A0%80';
      }
    }).join('');
  }

  interface QueryRoute {
    name: string;
    path: () => string;
    keys: string[];
    accept?: string;
  }
  const queryRoutes: QueryRoute[] = [
    { name: 'list requests', path: () => '/v1/placement-requests', keys: ['status', 'region', 'municipality', 'urgency', 'cursor', 'limit'] },
    { name: 'list breaches', path: () => '/v1/breaches', keys: ['region', 'municipality', 'type', 'urgency', 'from', 'to', 'asOf', 'includeRetracted', 'cursor', 'limit'] },
    { name: 'list breaches as CSV', path: () => '/v1/breaches', keys: ['region', 'municipality', 'type', 'urgency', 'from', 'to', 'asOf', 'includeRetracted', 'cursor', 'limit'], accept: 'text/csv' },
    { name: 'breach stats', path: () => '/v1/breaches/stats', keys: ['groupBy', 'from', 'to'] },
    { name: 'capacity', path: () => '/v1/capacity', keys: ['region', 'kind', 'asOf'] },
    { name: 'matches', path: () => '/v1/capacity/matches', keys: ['requestId'] },
    { name: 'parked events', path: () => '/v1/admin/parked-events', keys: ['cursor', 'limit'] },
  ];

  for (const route of queryRoutes) {
    for (const caller of ['auditor', 'tromso'] as const) {
      it(`GET ${route.name} as ${caller}: hostile query strings never give a 5xx, and every 4xx is problem+json`, async () => {
        await fc.assert(
          fc.asyncProperty(hostileQuery(route.keys), async (query) => {
            const path = `${route.path()}${query ? `?${query}` : ''}`;
            const response = await s.http().get(path).set('Authorization', s.as(caller)).set('Accept', route.accept ?? 'application/json');
            checkAnswer(`GET ${path.slice(0, 300)}`, response);
          }),
          { numRuns: RUNS_PER_ROUTE / 2, endOnFailure: true },
        );
      }, 120_000);
    }
  }

  const SYSTEMATIC_QUERY_VALUES = [
    '', '0', '-1', '501', '1e3', '007', 'true', '[]', '{}', '__proto__', 'x'.repeat(2_000), '%E0%A4%A', '%00',
    '2025-02-30', '0000-01-01', '9999-12-31', '1970-01-01', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59+14:00',
    '2025-03-03T10:00:00+25:00', '2025-03-03T10:00:00.1234567891Z', '+275760-09-13T00:00:00Z',
  ];

  for (const route of queryRoutes) {
    it(`GET ${route.name}: each parameter set to each hostile value, or repeated, never gives a 5xx`, async () => {
      const failures: string[] = [];
      for (const key of route.keys) {
        const queries = [...SYSTEMATIC_QUERY_VALUES.map((value) => `${key}=${value.startsWith('%') ? value : encodeURIComponent(value)}`), `${key}=a&${key}=b`, `${key}[]=a`, `${key}[__proto__]=a`];
        for (const query of queries) {
          const path = `${route.path()}?${query}`;
          const response = await s.http().get(path).set('Authorization', s.as('auditor')).set('Accept', route.accept ?? 'application/json');
          try {
            checkAnswer(`GET ${path.slice(0, 200)}`, response);
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      }
      expect(failures).toEqual([]);
    }, 120_000);
  }

  it('a tampered cursor (one character changed, cut, extended, or from another list or filter) is a 400 naming cursor', async () => {
    for (let i = 0; i < 3; i++) await s.post(`/v1/placement-requests/${await s.request()}/no-offer`, 'nordCoordinator', { reason: 'none' });
    const first = await s.get('/v1/placement-requests?limit=1', 'auditor');
    const cursor: string = first.body.nextCursor;
    expect(typeof cursor).toBe('string');
    const breachCursor: string | null = (await s.get('/v1/breaches?limit=1', 'auditor')).body.nextCursor;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom('flip', 'cut', 'extend', 'swap-list', 'other-filter'), async (at, how) => {
        // the last character is left to the explicit test below (its unused bits, bug #3)
        const index = at % (cursor.length - 1);
        const flipped = cursor[index] === 'A' ? 'B' : 'A';
        const tampered =
          how === 'flip' ? `${cursor.slice(0, index)}${flipped}${cursor.slice(index + 1)}` : how === 'cut' ? cursor.slice(0, index) : how === 'extend' ? `${cursor}A` : cursor;
        const path =
          how === 'swap-list' && breachCursor
            ? `/v1/placement-requests?limit=1&cursor=${encodeURIComponent(breachCursor)}`
            : how === 'other-filter'
              ? `/v1/placement-requests?limit=1&urgency=planned&cursor=${encodeURIComponent(cursor)}`
              : `/v1/placement-requests?limit=1&cursor=${encodeURIComponent(tampered)}`;
        if (how === 'swap-list' && !breachCursor) return;
        if (tampered === cursor && how !== 'swap-list' && how !== 'other-filter') return;
        const response = await s.get(path, 'auditor');
        checkAnswer(`GET ${path}`, response);
        expect([how, response.status]).toEqual([how, 400]);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('cursor');
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });

  // Found by this file (/tmp/bugs-models.md #3): the cursor's 43-character base64url mac was decoded
  // and compared as bytes; its last character carries 2 unused bits, so 4 spellings of every
  // signature were accepted. Fixed in libs/http/src/cursor-signer.ts (compared as text).
  it('a cursor whose signature’s last character differs only in unused bits is still a tampered cursor: 400', async () => {
    for (let i = 0; i < 2; i++) await s.request();
    const cursor: string = (await s.get('/v1/placement-requests?limit=1', 'auditor')).body.nextCursor;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(cursor[cursor.length - 1]);
    const tampered = `${cursor.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(tampered).not.toBe(cursor);
    const response = await s.get(`/v1/placement-requests?limit=1&cursor=${encodeURIComponent(tampered)}`, 'auditor');
    expect(response.status).toBe(400);
  });

  it('GET by id: hostile path ids never give a 5xx, and every 4xx is problem+json', async () => {
    const paths = (id: string) => [`/v1/placement-requests/${id}`, `/v1/placement-requests/${id}/events`, `/v1/facilities/${id}`];
    await fc.assert(
      fc.asyncProperty(hostileId(() => requestId), fc.constantFrom<Caller>('auditor', 'tromso', 'oslo'), async (id, caller) => {
        for (const path of paths(id)) checkAnswer(`GET ${path.slice(0, 200)}`, await s.http().get(path).set('Authorization', s.as(caller)));
      }),
      { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
    );
  }, 120_000);

  it('a malformed X-Min-Position is a 400, not a wait and not a 5xx', async () => {
    for (const value of ['latest', '-1', '1.5', '0x10', '1e3', '', '+1']) {
      const response = await s.http().get('/v1/breaches').set('Authorization', s.as('auditor')).set('X-Min-Position', value);
      checkAnswer(`X-Min-Position: ${JSON.stringify(value)}`, response);
      if (value !== '') expect([value, response.status]).toEqual([value, 400]);
    }
  });

  it('an X-Min-Position beyond any 64-bit position is refused without a 5xx other than the contract’s 503', async () => {
    const response = await s.http().get('/v1/breaches').set('Authorization', s.as('auditor')).set('X-Min-Position', '9'.repeat(40));
    expect([400, 503]).toContain(response.status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  }, 20_000);

  it('impossible calendar dates are 400 naming the field, in bodies and in query strings', async () => {
    const before = await storeHead();
    const filed = await s.post('/v1/placement-requests', 'tromso', s.requestBody({ neededBy: '2025-02-30' }));
    expect(filed.status).toBe(400);
    expect(filed.body.errors.map((e: { field: string }) => e.field)).toContain('neededBy');
    const offered = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-02-29' });
    expect(offered.status).toBe(400);
    const occurred = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'x', occurredAt: '2025-04-31T10:00:00+02:00' });
    expect(occurred.status).toBe(400);
    expect(await storeHead()).toBe(before);
    for (const query of ['from=2025-02-30', 'to=2025-13-01', 'asOf=2025-02-30T10:00:00Z']) {
      const listed = await s.get(`/v1/breaches?${query}`, 'auditor');
      expect([query, listed.status]).toEqual([query, 400]);
    }
    const capacity = await s.get('/v1/capacity?asOf=2025-02-30', 'auditor');
    expect(capacity.status).toBe(400);
  });
});
