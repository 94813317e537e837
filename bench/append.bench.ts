import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '@bistand/event-store/postgres/postgres-event-store';
import { benchPostgres } from './support/bench-postgres';
import { measureAppends } from './support/measure';

/**
 * `npm run bench -- append [--seconds N]`: appends of one small event to many streams, with 1 and
 * 16 concurrent writers, for three contenders on the same PostgreSQL in one run:
 * Bistand's store, plain INSERTs into an equivalent table (the ceiling), and Emmett's store (the peer).
 */
const STREAMS_PER_WRITER = 64;
const POOL_SIZE = 17;
const TARGETS = { ceiling: 0.6, peer: 1.0 };
const ROUNDS = 3;

interface Contender {
  name: string;
  /** Appends one event for `writer`; returns the number of events written. */
  appendOne(writer: number, n: number): Promise<number>;
  close(): Promise<void>;
}

function payload(n: number) {
  return { data: { n, text: 'small payload' }, metadata: { correlationId: randomUUID() } };
}

async function ourStore(url: string, run: string): Promise<Contender> {
  const store = await PostgresEventStore.connect({ connectionString: url, poolSize: POOL_SIZE });
  return {
    name: 'bistand',
    appendOne: async (writer, n) => {
      const { data, metadata } = payload(n);
      await store.appendToStream(`bench-${run}-${writer}-${n % STREAMS_PER_WRITER}`, [{ eventId: randomUUID(), type: 'BenchEvent', data, metadata }], {
        expectedRevision: 'any',
      });
      return 1;
    },
    close: () => store.close(),
  };
}

async function plainInserts(url: string, run: string): Promise<Contender> {
  const pool = new Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS ceiling_events (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      stream_id text NOT NULL,
      revision bigint NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, revision)
    )`);
  const revisions = new Map<string, number>();
  return {
    name: 'plain INSERT (ceiling)',
    appendOne: async (writer, n) => {
      const stream = `bench-${run}-${writer}-${n % STREAMS_PER_WRITER}`;
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      const { data, metadata } = payload(n);
      await pool.query('INSERT INTO ceiling_events (stream_id, revision, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)', [
        stream,
        revision,
        randomUUID(),
        'BenchEvent',
        JSON.stringify(data),
        JSON.stringify(metadata),
      ]);
      return 1;
    },
    close: () => pool.end(),
  };
}

async function emmett(url: string, run: string): Promise<Contender> {
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const pool = new Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool, pooled: true } });
  await store.schema.migrate();
  return {
    name: 'emmett-postgresql (peer)',
    appendOne: async (writer, n) => {
      const { data, metadata } = payload(n);
      await store.appendToStream(`bench-${run}-${writer}-${n % STREAMS_PER_WRITER}`, [{ type: 'BenchEvent', data, metadata }]);
      return 1;
    },
    close: async () => {
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
}

export async function main(args: string[]): Promise<void> {
  const secondsArg = args.indexOf('--seconds');
  const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 9;
  if (!(seconds > 0)) throw new Error('--seconds takes a positive number');

  const postgres = await benchPostgres();
  console.log(`append benchmark on ${postgres.description}: ${seconds} s per case in ${ROUNDS} rounds, one small event per append, ${STREAMS_PER_WRITER} streams per writer`);
  const results: { contender: string; writers: number; events: number; seconds: number; perSecond: number }[] = [];
  try {
    const contenders = [await ourStore(postgres.url, 'a'), await plainInserts(postgres.url, 'b'), await emmett(postgres.url, 'c')];
    try {
      for (const writers of [1, 16]) {
        // Rounds in rotated order, so that checkpoints and disk state do not favour whoever runs first.
        const totals = new Map(contenders.map((contender) => [contender.name, { events: 0, seconds: 0 }]));
        for (let round = 0; round < ROUNDS; round++) {
          for (const contender of [...contenders.slice(round % contenders.length), ...contenders.slice(0, round % contenders.length)]) {
            const measured = await measureAppends(writers, seconds / ROUNDS, (writer, n) => contender.appendOne(writer + writers * 1_000, n));
            const total = totals.get(contender.name)!;
            total.events += measured.events;
            total.seconds += measured.seconds;
          }
        }
        for (const contender of contenders) {
          const { events, seconds: elapsed } = totals.get(contender.name)!;
          results.push({ contender: contender.name, writers, events, seconds: elapsed, perSecond: events / elapsed });
          console.log(`  ${contender.name.padEnd(26)} ${String(writers).padStart(2)} writers  ${Math.round(events / elapsed).toLocaleString('en-US').padStart(8)} events/s`);
        }
      }
    } finally {
      for (const contender of contenders) await contender.close();
    }
  } finally {
    await postgres.stop();
  }

  console.log('\ncontender                  writers   events  seconds  events/s');
  for (const row of results) {
    console.log(
      `${row.contender.padEnd(26)} ${String(row.writers).padStart(7)} ${String(row.events).padStart(8)} ${row.seconds.toFixed(2).padStart(8)} ${Math.round(row.perSecond).toString().padStart(9)}`,
    );
  }
  for (const writers of [1, 16]) {
    const rate = (name: string) => results.find((row) => row.writers === writers && row.contender.startsWith(name))?.perSecond ?? NaN;
    const ours = rate('bistand');
    const versusCeiling = ours / rate('plain INSERT');
    const versusPeer = ours / rate('emmett');
    const verdict = (ratio: number, target: number) => (writers === 16 ? (ratio >= target ? ` PASS (target ≥ ${target.toFixed(2)})` : ` MISS (target ≥ ${target.toFixed(2)})`) : ' (informational)');
    console.log(`\n${writers} writer${writers > 1 ? 's' : ''}: bistand / ceiling = ${versusCeiling.toFixed(2)}${verdict(versusCeiling, TARGETS.ceiling)}`);
    console.log(`${writers} writer${writers > 1 ? 's' : ''}: bistand / emmett  = ${versusPeer.toFixed(2)}${verdict(versusPeer, TARGETS.peer)}`);
  }
}
