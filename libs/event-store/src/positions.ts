import type { Position } from './event-store.port';

/** Parses a decimal position string (as sent by clients in X-Min-Position); undefined when it is not one. */
export function parsePosition(text: string): Position | undefined {
  return /^(0|[1-9][0-9]{0,18})$/.test(text) ? BigInt(text) : undefined;
}

export function formatPosition(position: Position): string {
  return position.toString(10);
}
