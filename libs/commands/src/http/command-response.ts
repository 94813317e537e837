import type { Response } from 'express';
import { formatPosition } from '@bistand/event-store/positions';
import type { CommandResult } from '../pipeline/command-runner';

export interface CommandAnswer {
  id: string;
  revision: number;
  position: string;
}

/**
 * `{ id, revision, position }` and the revision as ETag. A creation answers 201, also to a retry
 * with the same Idempotency-Key (the first answer again), and 200 when repeated by id.
 */
export function answer(response: Response, result: CommandResult, { creation = false } = {}): CommandAnswer {
  response.status(creation && result.outcome !== 'repeated' ? 201 : 200);
  response.setHeader('ETag', `"${result.revision}"`);
  return { id: result.id, revision: result.revision, position: formatPosition(result.position) };
}
