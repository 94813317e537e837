/** The first retry of a failed LISTEN connection comes this soon; each further failure doubles it. */
const FIRST_RETRY_MS = 100;
/** Retries never wait longer than this, so the listener is back within seconds of the server. */
const MAX_RETRY_MS = 5_000;

/**
 * How long to wait before connecting again after `attempts` failures in a row: doubling from
 * FIRST_RETRY_MS up to MAX_RETRY_MS, with up to a fifth taken off at random so that many
 * processes cut off at once (a server restart) do not all come back in the same instant.
 */
export function reconnectDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(20, Math.max(0, attempts - 1)));
  return Math.round(base * (1 - 0.2 * random()));
}
