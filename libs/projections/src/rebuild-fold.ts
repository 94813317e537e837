import type { EventStore, Position, RecordedEvent } from '@bistand/event-store/event-store.port';
import type { Projection, ProjectionRebuild } from './projection';
import { describeError, heldBehind, type ParkedRow } from './parked/parking';
import type { RowShape } from './table-rows';

/** Events per read from the store. */
const REBUILD_BATCH = 5_000;
/**
 * Longest stretch of folding before the event loop gets a turn. When the rebuild runs inside the
 * app's process (as the tests run it) the API, the projector and the rebuild's own COPYs share this
 * thread: a COPY is only ended (and its transaction id released) when its timer gets a turn.
 * Measured in wall time, so a starved process folds less per turn.
 */
const FOLD_SLICE_MS = 5;
/** Events folded between looks at the clock. */
const CLOCK_EVERY = 32;

/** The fresh schema's parked events: the same table, and the same meaning, as the live projector's (PRODUCT.md §9). */
export const PARKED_ROWS: RowShape = {
  table: 'rm_parked_events',
  columns: { projection: 'text', position: 'bigint', stream_id: 'text', type: 'text', error: 'text', parked_at: 'timestamptz' },
};


/** One projection's rebuild, with the streams it parked. */
class ProjectionFold {
  private readonly handles: ReadonlySet<string>;
  /** Stream id → position of its first parked event: every later event of the stream is parked behind it. */
  private readonly parkedStreams = new Map<string, Position>();
  readonly parked: ParkedRow[] = [];

  constructor(
    readonly projection: Projection,
    readonly rebuild: ProjectionRebuild,
  ) {
    this.handles = new Set(projection.handles);
  }

  /**
   * Folds one event, or parks it as the live projector would: when its projection cannot apply it
   * (the projections check an event before they change anything), and when an earlier event of its
   * stream is parked, since a stream is applied in order or not at all.
   */
  add(event: RecordedEvent): void {
    if (!this.handles.has(event.type)) return;
    const behind = this.parkedStreams.size === 0 ? undefined : this.parkedStreams.get(event.streamId);
    if (behind !== undefined) {
      this.park(event, heldBehind(behind));
      return;
    }
    try {
      this.rebuild.add(event);
    } catch (error) {
      this.park(event, describeError(error));
      this.parkedStreams.set(event.streamId, event.position);
    }
  }

  private park(event: RecordedEvent, error: string): void {
    this.parked.push({ projection: this.projection.name, position: event.position.toString(), stream_id: event.streamId, type: event.type, error, parked_at: new Date() });
  }
}

export interface FoldProgress {
  events: number;
  position: Position;
  /** The store's head when the fold started. */
  target: Position;
}

/**
 * Reads every event and hands it to each projection's rebuild, one event at a time so that an event
 * its projection cannot apply is parked alone; reading the next batch overlaps with folding this
 * one. Returns how far it read and what each projection parked.
 */
export async function foldEvents(
  store: EventStore,
  rebuilds: { projection: Projection; rebuild: ProjectionRebuild }[],
  onProgress: (progress: FoldProgress) => void,
): Promise<{ events: number; after: Position; parked: ParkedRow[] }> {
  const folds = rebuilds.map(({ projection, rebuild }) => new ProjectionFold(projection, rebuild));
  const head = await store.headPosition();
  let after = 0n;
  let events = 0;
  let reading = store.readAll({ after, maxCount: REBUILD_BATCH });
  for (;;) {
    const batch = await reading;
    if (batch.length === 0) return { events, after, parked: folds.flatMap((fold) => fold.parked) };
    after = batch[batch.length - 1].position;
    reading = store.readAll({ after, maxCount: REBUILD_BATCH });
    reading.catch(() => undefined); // awaited next round, unless folding this batch fails first
    let sliceStarted = performance.now();
    for (let i = 0; i < batch.length; i++) {
      for (const fold of folds) fold.add(batch[i]);
      if (i % CLOCK_EVERY === CLOCK_EVERY - 1 && performance.now() - sliceStarted >= FOLD_SLICE_MS) {
        // Lets the next batch's rows, rows already sent to COPY, COPY timers and (in the app's process) the API move meanwhile.
        await new Promise(setImmediate);
        sliceStarted = performance.now();
      }
    }
    events += batch.length;
    onProgress({ events, position: after, target: head });
  }
}
