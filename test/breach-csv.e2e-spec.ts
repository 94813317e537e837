import { randomUUID } from 'node:crypto';
import { get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { Projector } from '@bistand/projections/projector';
import { CSV_PAGE_SIZE } from '@bistand/projections/breaches/breach-register';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * PRODUCT.md §6: `Accept: text/csv` without `limit` answers the whole filtered register as one
 * streamed CSV; with `limit`, one page and the next cursor in `X-Next-Cursor`. The register here
 * holds 2,500 NO_OFFER_DECLARED breaches (more than two internal pages), many sharing one instant,
 * so page boundaries fall inside runs of equal timestamps.
 */
const TROMSO = 1_500;
const BODO = 1_000;
const INSTANTS = ['2025-01-06T09:00:00.000Z', '2025-01-06T10:00:00.000Z', '2025-02-03T09:00:00.000Z', '2025-03-03T09:00:00.000Z', '2025-04-07T09:00:00.000Z'];

interface CsvRow {
  id: string;
  requestId: string;
  type: string;
  occurredAt: string;
  municipality: string;
}

function parseCsv(text: string): { header: string; rows: CsvRow[]; headerCount: number } {
  const lines = text.split('\r\n');
  expect(lines.pop()).toBe('');
  const header = lines[0];
  const columns = header.split(',');
  const rows = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((cell, index) => [columns[index], cell])) as unknown as CsvRow);
  return { header, rows, headerCount: lines.filter((line) => line === header).length };
}

describe('breach register as CSV', () => {
  let testApp: TestApp;
  let s: Scenario;
  const created = new Map<string, string>();

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    const recordedAt = new Date().toISOString();
    const requests = Array.from({ length: TROMSO + BODO }, (_, index) => ({ requestId: randomUUID(), municipality: index < TROMSO ? '5501' : '1804', index }));
    // Appended through the store, a few streams at a time: 5,000 commands over HTTP would take minutes on a small machine.
    for (let start = 0; start < requests.length; start += 25) {
      await Promise.all(
        requests.slice(start, start + 25).map(({ requestId, municipality, index }) => {
          const occurredAt = INSTANTS[index % INSTANTS.length];
          const metadata = (eventId: string) => ({ eventId, occurredAt, recordedAt, actor: { sub: 'csv-test', role: 'coordinator' }, correlationId: requestId, causationId: eventId, schemaVersion: 1 });
          const requested = randomUUID();
          const declared = randomUUID();
          created.set(requestId, municipality);
          return store.appendToStream(
            `placement-request-${requestId}`,
            [
              {
                eventId: requested,
                type: 'PlacementRequested',
                data: { requestId, municipality, childRef: `csv-${index}`, birthYear: 2012, urgency: 'planned', placementKind: 'institution', targetGroup: 'care', neededBy: '2030-06-01', legalBasis: 'bvl. § 4-2', childHeard: true, region: 'nord' },
                metadata: metadata(requested),
              },
              { eventId: declared, type: 'NoOfferDeclared', data: { requestId, reason: index % 7 === 0 ? '=HYPERLINK("x")' : 'ingen plass' }, metadata: metadata(declared) },
            ],
            { expectedRevision: 'no_stream' },
          );
        }),
      );
    }
    expect(await testApp.app.get(Projector).catchUp(120_000)).toBe(true);
  });
  afterAll(async () => {
    await testApp.close();
  });

  async function csv(path: string, caller: Parameters<Scenario['get']>[1] = 'auditor') {
    const response = await s.get(path, caller).set('Accept', 'text/csv').buffer(true).parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    return { response, ...parseCsv(response.body as string) };
  }

  it('streams every breach of the register exactly once, after one header row, in register order', async () => {
    expect(TROMSO + BODO).toBeGreaterThan(2 * CSV_PAGE_SIZE);
    const { rows, headerCount, response } = await csv('/v1/breaches?type=NO_OFFER_DECLARED');
    expect(headerCount).toBe(1);
    expect(response.headers['x-next-cursor']).toBeUndefined();
    expect(rows).toHaveLength(TROMSO + BODO);
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    expect(new Set(rows.map((row) => row.requestId))).toEqual(new Set(created.keys()));
    const keys = rows.map((row) => `${row.occurredAt} ${row.id}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('applies the filters to the whole stream', async () => {
    const bodo = await csv('/v1/breaches?type=NO_OFFER_DECLARED&municipality=1804');
    expect(bodo.rows).toHaveLength(BODO);
    expect(bodo.rows.every((row) => row.municipality === '1804')).toBe(true);

    const january = await csv('/v1/breaches?type=NO_OFFER_DECLARED&from=2025-01-01&to=2025-02-01');
    expect(january.rows).toHaveLength((2 / INSTANTS.length) * (TROMSO + BODO));
    expect(january.rows.every((row) => row.occurredAt.startsWith('2025-01-06'))).toBe(true);
  });

  it("streams only the caller's scope", async () => {
    const { rows } = await csv('/v1/breaches?type=NO_OFFER_DECLARED', 'tromso');
    expect(rows).toHaveLength(TROMSO);
    expect(rows.every((row) => row.municipality === '5501')).toBe(true);
  });

  it('answers one page with the next cursor in X-Next-Cursor when limit is given, and the pages add up', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { rows, headerCount, response } = await csv(`/v1/breaches?type=NO_OFFER_DECLARED&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(headerCount).toBe(1);
      expect(rows.length).toBeLessThanOrEqual(500);
      seen.push(...rows.map((row) => row.id));
      cursor = response.headers['x-next-cursor'];
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(TROMSO + BODO);
  });

  it('is a 400, not a broken stream, when a filter is bad', async () => {
    const response = await s.get('/v1/breaches?from=2025-02-30', 'auditor').set('Accept', 'text/csv');
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'from' })]);
  });

  it('survives clients that disconnect mid-stream, and keeps answering', async () => {
    const server: Server = testApp.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const failures: unknown[] = [];
    const record = (error: unknown) => failures.push(error);
    process.on('unhandledRejection', record);
    try {
      const { port } = server.address() as AddressInfo;
      for (let client = 0; client < 5; client++) {
        await new Promise<void>((resolve, reject) => {
          const req = get({ host: '127.0.0.1', port, path: '/v1/breaches', headers: { Accept: 'text/csv', Authorization: s.as('auditor') } }, (res: IncomingMessage) => {
            expect(res.statusCode).toBe(200);
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          });
          req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(error)));
        });
      }
      const after = await csv('/v1/breaches?type=NO_OFFER_DECLARED');
      expect(after.rows).toHaveLength(TROMSO + BODO);
      expect((await s.http().get('/health')).status).toBe(200);
      expect(failures).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
