import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@bistand/event-store/event-store.port';
import { placementRequestStream } from '@bistand/placement/placement-request/placement-request.events';
import type { TestApp } from './test-app';

/**
 * Events written straight to the store, past the write side's checks: what an old import, a bug
 * or a hand edit leaves behind, and what the read side must survive (PRODUCT.md §9).
 */
export class RawEvents {
  constructor(private readonly testApp: TestApp) {}

  get store(): EventStore {
    return this.testApp.app.get<EventStore>(EVENT_STORE);
  }

  async ofRequest(requestId: string): Promise<RecordedEvent[]> {
    return this.store.readStream(placementRequestStream(requestId));
  }

  /** The request's event of `type`, as the write side recorded it: a template for raw events. */
  async template(requestId: string, type: string): Promise<RecordedEvent> {
    const event = (await this.ofRequest(requestId)).find((e) => e.type === type);
    if (!event) throw new Error(`request ${requestId} has no ${type}`);
    return event;
  }

  /** Appends one event to a request's stream, as of now; returns its position and id. */
  async append(requestId: string, type: string, data: unknown, metadataFrom?: RecordedEvent): Promise<{ position: bigint; eventId: string }> {
    const now = new Date().toISOString();
    const eventId = randomUUID();
    const metadata = { ...(metadataFrom?.metadata ?? {}), occurredAt: now, recordedAt: now, eventId };
    const result = await this.store.appendToStream(placementRequestStream(requestId), [{ eventId, type, data, metadata }], { expectedRevision: 'any' });
    return { position: result.position, eventId };
  }
}

/** A pool on the test database, with the read models' schema first on the search path (the event store's tables are in `public`). */
export function sqlPool(testApp: TestApp): Pool {
  const pool = new Pool({ connectionString: testApp.database.url, max: 2, options: '-c search_path=read_models,public' });
  pool.on('error', () => undefined);
  return pool;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
