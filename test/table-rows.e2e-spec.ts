import { Pool } from 'pg';
import { COPY_CHUNK_ROWS, copyAll, insertFromJson, type RowShape } from '@bistand/projections/table-rows';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** The two ways projections write rows must store every value as it was, whatever characters it holds. */
describe('writing rows', () => {
  let database: TestDatabase;
  let pool: Pool;
  const shape: RowShape = {
    table: 'sample',
    columns: { id: 'uuid', name: 'text', at: 'timestamptz', flag: 'boolean', amount: 'float8', position: 'bigint', tags: 'text[]', doc: 'jsonb' },
  };
  const awkward = 'tab\there, newline\nhere, return\r, back\\slash, "quotes", \\N, comma, {braces}, æøå';
  const rows = [
    { id: '6f1d3c52-a8e9-4b0c-9d3e-1f2a4b5c6d7e', name: awkward, at: new Date('2025-03-30T01:00:00.123Z'), flag: true, amount: 1.25e-7, position: '9007199254740993', tags: [awkward, 'plain', ''], doc: { text: awkward, nested: [1, null] } },
    { id: '00000000-0000-4000-8000-000000000000', name: '', at: null, flag: false, amount: -3, position: '0', tags: [], doc: null },
    { id: '11111111-1111-4111-8111-111111111111', name: null, at: new Date(0), flag: null, amount: null, position: null, tags: null, doc: 'a string' },
  ];

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new Pool({ connectionString: database.url });
    await pool.query(`CREATE TABLE sample (id uuid, name text, at timestamptz, flag boolean, amount float8, position bigint, tags text[], doc jsonb)`);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });
  beforeEach(() => pool.query('TRUNCATE sample'));

  const readBack = async () => (await pool.query('SELECT id, name, at, flag, amount, position::text, tags, doc FROM sample ORDER BY id')).rows;
  const expected = [...rows].sort((a, b) => a.id.localeCompare(b.id));

  it('COPY (a rebuild) keeps every character', async () => {
    await copyAll(pool, shape, rows);
    expect(await readBack()).toEqual(expected);
  });

  it('a JSON document (live batches) keeps every character', async () => {
    await pool.query(insertFromJson(shape), [JSON.stringify(rows)]);
    expect(await readBack()).toEqual(expected);
  });

  it('COPY of many rows arrives whole', async () => {
    const many = Array.from({ length: 12_345 }, (_, i) => ({ ...rows[0], id: `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`, position: String(i) }));
    await copyAll(pool, shape, many);
    const { rows: counted } = await pool.query('SELECT count(*)::int AS n, sum(position)::text AS total FROM sample');
    expect(counted[0]).toEqual({ n: 12_345, total: String((12_344 * 12_345) / 2) });
  });

  it('COPY of many rows commits them in short transactions, so it never holds the event store readers back for long', async () => {
    const many = Array.from({ length: 12_345 }, (_, i) => ({ ...rows[1], id: `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}` }));
    await copyAll(pool, shape, many);
    // Each row carries the id of the transaction that wrote it.
    const { rows: transactions } = await pool.query<{ rows: number }>('SELECT count(*)::int AS rows FROM sample GROUP BY xmin::text ORDER BY 1 DESC');
    expect(transactions.length).toBe(Math.ceil(12_345 / COPY_CHUNK_ROWS));
    expect(transactions[0].rows).toBeLessThanOrEqual(COPY_CHUNK_ROWS);
  });
});
