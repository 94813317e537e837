import { randomUUID } from 'node:crypto';
import type { EventStore, EventToAppend, RecordedEvent } from '../src/event-store.port';
import { EventIdConflictError, WrongExpectedRevisionError } from '../src/event-store.errors';

export interface EventStoreUnderTest {
  store: EventStore;
  dispose(): Promise<void>;
}

function event(type = 'Tested', data: Record<string, unknown> = {}): EventToAppend {
  return { eventId: randomUUID(), type, data, metadata: { correlationId: randomUUID() } };
}

function streamName(): string {
  return `contract-${randomUUID()}`;
}

/** Collects subscription events until `count` arrived or `timeoutMs` passed. */
async function collect(store: EventStore, after: bigint, count: number, timeoutMs: number): Promise<RecordedEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const seen: RecordedEvent[] = [];
  try {
    for await (const recorded of store.subscribeToAll({ after, signal: controller.signal, batchSize: 50 })) {
      seen.push(recorded);
      if (seen.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return seen;
}

/**
 * The semantics every event store adapter must keep. Run against each adapter by its
 * `*.int.spec.ts`; streams get fresh names so the suite can share a store with other data.
 */
export function describeEventStoreContract(name: string, factory: () => Promise<EventStoreUnderTest>): void {
  describe(`event store contract: ${name}`, () => {
    let underTest: EventStoreUnderTest;
    let store: EventStore;

    beforeAll(async () => {
      underTest = await factory();
      store = underTest.store;
    });
    afterAll(async () => {
      await underTest?.dispose();
    });

    describe('appending', () => {
      it('numbers the events of a stream from revision 0 and returns the last revision and position', async () => {
        const stream = streamName();
        const first = await store.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, [event()], { expectedRevision: 1 });
        expect(first).toMatchObject({ streamId: stream, revision: 1, appended: true });
        expect(second).toMatchObject({ revision: 2, appended: true });
        expect(second.position > first.position).toBe(true);
        const read = await store.readStream(stream);
        expect(read.map((recorded) => recorded.revision)).toEqual([0, 1, 2]);
        expect(read[2].position).toBe(second.position);
      });

      it('stores type, data, metadata and event id as given', async () => {
        const stream = streamName();
        const appended = event('PlacementRequested', { childRef: 'abc-1', nested: { n: 1, list: [true, null] }, text: 'Bø i Telemark' });
        await store.appendToStream(stream, [appended], { expectedRevision: 'any' });
        const [read] = await store.readStream(stream);
        expect(read).toMatchObject({ streamId: stream, eventId: appended.eventId, type: appended.type, data: appended.data, metadata: appended.metadata });
        expect(read.recordedAt).toBeInstanceOf(Date);
      });

      it('rejects no_stream when the stream exists, with the actual revision', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });
        const attempt = store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(attempt).rejects.toMatchObject({ streamId: stream, actualRevision: 1 });
      });

      it('rejects stream_exists and exact revisions on a missing stream with actual revision -1', async () => {
        const stream = streamName();
        await expect(store.appendToStream(stream, [event()], { expectedRevision: 'stream_exists' })).rejects.toMatchObject({ actualRevision: -1 });
        await expect(store.appendToStream(stream, [event()], { expectedRevision: 0 })).rejects.toMatchObject({ actualRevision: -1 });
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('rejects a stale exact revision and writes nothing', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event(), event(), event()], { expectedRevision: 'no_stream' });
        await expect(store.appendToStream(stream, [event(), event()], { expectedRevision: 1 })).rejects.toMatchObject({ actualRevision: 2 });
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('accepts any and stream_exists on an existing stream', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event()], { expectedRevision: 'any' });
        await store.appendToStream(stream, [event()], { expectedRevision: 'stream_exists' });
        const result = await store.appendToStream(stream, [event()], { expectedRevision: 'any' });
        expect(result.revision).toBe(2);
      });

      it('lets exactly one of two concurrent writers at the same revision win', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled([
          store.appendToStream(stream, [event('A')], { expectedRevision: 0 }),
          store.appendToStream(stream, [event('B')], { expectedRevision: 0 }),
          store.appendToStream(stream, [event('C')], { expectedRevision: 0 }),
        ]);
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
          expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('lets exactly one of two concurrent creators of a new stream win', async () => {
        const stream = streamName();
        const outcomes = await Promise.allSettled([
          store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' }),
          store.appendToStream(stream, [event('B')], { expectedRevision: 'no_stream' }),
        ]);
        expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('idempotent re-append', () => {
      it('returns the first result and writes nothing when the same events are appended again', async () => {
        const stream = streamName();
        const events = [event(), event()];
        const first = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        expect(again).toEqual({ ...first, appended: false });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('stays a no-op after the stream moved on', async () => {
        const stream = streamName();
        const events = [event()];
        const first = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        await store.appendToStream(stream, [event()], { expectedRevision: 0 });
        const again = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        expect(again).toEqual({ ...first, appended: false });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('writes the events once when the same append races with itself', async () => {
        const stream = streamName();
        const events = [event(), event()];
        const results = await Promise.all(
          Array.from({ length: 4 }, () => store.appendToStream(stream, events, { expectedRevision: 'no_stream' })),
        );
        expect(results.filter((result) => result.appended)).toHaveLength(1);
        expect(new Set(results.map((result) => result.position))).toEqual(new Set([results[0].position]));
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('rejects an append that reuses only some event ids', async () => {
        const stream = streamName();
        const reused = event();
        await store.appendToStream(stream, [reused], { expectedRevision: 'no_stream' });
        await expect(store.appendToStream(stream, [reused, event()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(EventIdConflictError);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('reading', () => {
      it('reads a stream forwards and backwards from a revision with a max count', async () => {
        const stream = streamName();
        await store.appendToStream(stream, Array.from({ length: 5 }, (_, i) => event('N', { i })), { expectedRevision: 'no_stream' });
        const forwards = await store.readStream(stream, { fromRevision: 1, maxCount: 3 });
        const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        const backwardsFrom = await store.readStream(stream, { direction: 'backwards', fromRevision: 1 });
        expect(forwards.map((recorded) => recorded.revision)).toEqual([1, 2, 3]);
        expect(backwards.map((recorded) => recorded.revision)).toEqual([4, 3]);
        expect(backwardsFrom.map((recorded) => recorded.revision)).toEqual([1, 0]);
      });

      it('reads all events after a position in position order, excluding that position', async () => {
        const stream = streamName();
        const start = await store.headPosition();
        const appended = await store.appendToStream(stream, [event('A'), event('B'), event('C')], { expectedRevision: 'no_stream' });
        const all = (await store.readAll({ after: start, maxCount: 10_000 })).filter((recorded) => recorded.streamId === stream);
        expect(all.map((recorded) => recorded.type)).toEqual(['A', 'B', 'C']);
        expect(all[2].position).toBe(appended.position);
        const afterFirst = (await store.readAll({ after: all[0].position, maxCount: 10_000 })).filter((recorded) => recorded.streamId === stream);
        expect(afterFirst.map((recorded) => recorded.type)).toEqual(['B', 'C']);
      });

      it('reports the head position at or after the last append', async () => {
        const appended = await store.appendToStream(streamName(), [event()], { expectedRevision: 'no_stream' });
        expect((await store.headPosition()) >= appended.position).toBe(true);
      });
    });

    describe('subscription', () => {
      it('delivers stored events, then live ones, in position order', async () => {
        const stream = streamName();
        const start = await store.headPosition();
        await store.appendToStream(stream, [event('Stored1'), event('Stored2')], { expectedRevision: 'no_stream' });
        const seen = collect(store, start, 4, 15_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await store.appendToStream(stream, [event('Live1')], { expectedRevision: 1 });
        await store.appendToStream(stream, [event('Live2')], { expectedRevision: 2 });
        const ours = (await seen).filter((recorded) => recorded.streamId === stream);
        expect(ours.map((recorded) => recorded.type)).toEqual(['Stored1', 'Stored2', 'Live1', 'Live2']);
      });

      it('8 concurrent writers: a catch-up reader sees every event exactly once, in position order', async () => {
        const writers = 8;
        const appendsPerWriter = 40;
        const start = await store.headPosition();
        const prefix = `stress-${randomUUID()}`;
        const expected = writers * appendsPerWriter * 2;

        const reader = (async () => {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), 60_000);
          const ours: RecordedEvent[] = [];
          let previous = start;
          let outOfOrder = 0;
          try {
            for await (const recorded of store.subscribeToAll({ after: start, signal: controller.signal, batchSize: 7 })) {
              if (recorded.position <= previous) outOfOrder++;
              previous = recorded.position;
              if (recorded.streamId.startsWith(prefix)) ours.push(recorded);
              if (ours.length >= expected) break;
            }
          } finally {
            clearTimeout(timer);
            controller.abort();
          }
          return { ours, outOfOrder };
        })();

        const written: string[] = [];
        await Promise.all(
          Array.from({ length: writers }, async (_, writer) => {
            for (let n = 0; n < appendsPerWriter; n++) {
              // Several streams per writer so appends interleave across streams and transactions.
              const stream = `${prefix}-${writer}-${n % 5}`;
              const events = [event('Stress', { writer, n }), event('Stress', { writer, n })];
              written.push(...events.map((e) => e.eventId));
              await store.appendToStream(stream, events, { expectedRevision: 'any' });
            }
          }),
        );

        const { ours, outOfOrder } = await reader;
        expect(outOfOrder).toBe(0);
        expect(ours).toHaveLength(expected);
        expect(new Set(ours.map((recorded) => recorded.eventId))).toEqual(new Set(written));
        // A second reader from the same start, after the fact, sees the same sequence.
        const replay: RecordedEvent[] = [];
        for (let after = start, batch = await store.readAll({ after, maxCount: 100 }); batch.length > 0; batch = await store.readAll({ after, maxCount: 100 })) {
          replay.push(...batch);
          after = batch[batch.length - 1].position;
        }
        expect(replay.filter((recorded) => recorded.streamId.startsWith(prefix)).map((r) => r.eventId)).toEqual(ours.map((r) => r.eventId));
      });

      it('ends when its signal aborts', async () => {
        const controller = new AbortController();
        const iteration = (async () => {
          let count = 0;
          for await (const _ of store.subscribeToAll({ after: await store.headPosition(), signal: controller.signal })) count++;
          return count;
        })();
        setTimeout(() => controller.abort(), 100);
        await expect(iteration).resolves.toBe(0);
      });
    });
  });
}
