import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { breachesToCsv, csvCell, streamBreachCsv } from './breach-csv';
import type { BreachView } from './breach-register';

function breach(overrides: Partial<BreachView> = {}): BreachView {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    requestId: '00000000-0000-4000-8000-000000000002',
    type: 'NO_OFFER_DECLARED',
    occurredAt: '2025-03-03T10:00:00.000Z',
    recordedAt: '2025-03-03T10:00:00.000Z',
    region: 'nord',
    municipality: '5501',
    urgency: 'acute',
    placementKind: 'institution',
    offerId: null,
    policyVersion: '2024-1',
    retracted: false,
    retractedAt: null,
    ...overrides,
  };
}

/** A socket that accepts `capacity` bytes, then holds everything until `drain()` is called. */
class SlowClient extends Writable {
  received = '';
  statusCode = 0;
  headers: Record<string, string> = {};
  private pending: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 64, decodeStrings: false });
  }
  setHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  override _write(chunk: string | Buffer, _: BufferEncoding, done: () => void) {
    this.received += chunk.toString();
    this.pending.push(done);
  }
  drain() {
    const pending = this.pending;
    this.pending = [];
    for (const done of pending) done();
  }
}

async function* countedPages(total: number, asked: { pages: number }) {
  for (let page = 0; page < total; page++) {
    asked.pages++;
    yield [breach({ id: `00000000-0000-4000-8000-${String(page).padStart(12, '0')}` })];
  }
}

describe('breach CSV', () => {
  it('quotes by RFC 4180: commas, quotes and line breaks', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(false)).toBe('false');
  });

  it.each(['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])('defuses the formula-like cell %j with a leading apostrophe', (text) => {
    const cell = csvCell(text);
    expect(cell.replace(/^"/, '').startsWith("'")).toBe(true);
  });

  it('writes a header row and CRLF-terminated rows', () => {
    const csv = breachesToCsv([breach({ policyVersion: '=cmd' })]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,requestId,type,occurredAt,recordedAt,region,municipality,urgency,placementKind,offerId,policyVersion,retracted,retractedAt');
    expect(lines[1]).toContain(",'=cmd,");
    expect(lines[2]).toBe('');
  });

  it('asks for the next page only when the client has taken the previous one (backpressure)', async () => {
    const client = new SlowClient();
    const asked = { pages: 0 };
    const done = streamBreachCsv(client as unknown as ServerResponse, countedPages(50, asked));
    for (let round = 0; round < 20 && asked.pages < 50; round++) await new Promise((resolve) => setImmediate(resolve));
    // The client takes nothing: the writer must stop after the buffer fills, not read all 50 pages.
    expect(asked.pages).toBeLessThan(5);
    const before = asked.pages;
    client.drain();
    for (let round = 0; round < 20 && asked.pages === before; round++) await new Promise((resolve) => setImmediate(resolve));
    expect(asked.pages).toBeGreaterThan(before);
    const interval = setInterval(() => client.drain(), 1);
    try {
      expect(await done).toBe(true);
    } finally {
      clearInterval(interval);
    }
    expect(asked.pages).toBe(50);
    expect(client.received.split('\r\n').filter((line) => line.startsWith('id,'))).toHaveLength(1);
    expect(client.received.trimEnd().split('\r\n')).toHaveLength(51);
  });

  it('stops reading pages when the client goes away mid-stream', async () => {
    const client = new SlowClient();
    const asked = { pages: 0 };
    const done = streamBreachCsv(client as unknown as ServerResponse, countedPages(1_000, asked));
    for (let round = 0; round < 20; round++) await new Promise((resolve) => setImmediate(resolve));
    client.destroy();
    expect(await done).toBe(false);
    expect(asked.pages).toBeLessThan(10);
  });
});
