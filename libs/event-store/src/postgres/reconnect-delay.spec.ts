import { isConnectionError } from './connection-errors';
import { reconnectDelayMs } from './reconnect-delay';

describe('reconnecting the LISTEN connection', () => {
  it('doubles the wait from 100 ms after each failure, never beyond 5 s', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 5, 6, 7].map((attempts) => reconnectDelayMs(attempts, noJitter))).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000]);
    expect(reconnectDelayMs(1_000, noJitter)).toBe(5_000);
  });

  it('takes up to a fifth off at random, so processes cut off together do not return together', () => {
    expect(reconnectDelayMs(10, () => 0.999)).toBe(4_001);
    expect(reconnectDelayMs(1, () => 0.5)).toBe(90);
  });

  it('retries reads that failed on the connection, not on the query', () => {
    const pgError = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['53300', '57P01', '57P03', '08006', 'ECONNREFUSED']) expect(isConnectionError(pgError(code))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['42P01', '22P02', '23505']) expect(isConnectionError(pgError(code))).toBe(false);
    expect(isConnectionError(new Error('Cannot use a pool after calling end on the pool'))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});
