import { CursorSigner } from '@bistand/http/cursor-signer';
import { ProblemException } from '@bistand/http/problem';
import { decodeCursor, encodeCursor, type CursorKind } from './paging';

const signer = new CursorSigner(Buffer.alloc(32, 7));
const breaches: CursorKind = { list: 'breaches', parts: ['instant', 'uuid'] };
const requests: CursorKind = { list: 'placement-requests', parts: ['instant', 'uuid'] };
const key = ['2025-03-03T10:00:00.000Z', '6f1d3c52-a8e9-4b0c-9d3e-1f2a4b5c6d7e'];

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error instanceof ProblemException ? { status: error.status, fields: error.extensions.errors?.map((e) => e.field) } : error;
  }
  return 'accepted';
}

describe('page cursors', () => {
  it('give back the key they were made from, whatever the page size', () => {
    const cursor = encodeCursor(signer, breaches, { region: 'nord', limit: 5 }, key);
    expect(decodeCursor(signer, breaches, { region: 'nord', limit: 50 }, cursor)).toEqual(key);
    expect(decodeCursor(signer, breaches, {}, undefined)).toBeUndefined();
  });

  it.each([
    ['another list', () => decodeCursor(signer, requests, { region: 'nord' }, encodeCursor(signer, breaches, { region: 'nord' }, key))],
    ['another filter', () => decodeCursor(signer, breaches, { region: 'oslo' }, encodeCursor(signer, breaches, { region: 'nord' }, key))],
    ['a filter added', () => decodeCursor(signer, breaches, { region: 'nord', type: 'X' }, encodeCursor(signer, breaches, { region: 'nord' }, key))],
    ['another key', () => decodeCursor(new CursorSigner(Buffer.alloc(32, 8)), breaches, {}, encodeCursor(signer, breaches, {}, key))],
    ['an edited body', () => {
      const [, mac] = encodeCursor(signer, breaches, {}, key).split('.');
      return decodeCursor(signer, breaches, {}, `${Buffer.from(JSON.stringify(['1970-01-01T00:00:00.000Z', key[1]])).toString('base64url')}.${mac}`);
    }],
    ['a well-signed key of the wrong shape', () => decodeCursor(signer, breaches, {}, signer.sign(`breaches\n[]`, JSON.stringify(["'; --", 1])))],
    ['garbage', () => decodeCursor(signer, breaches, {}, '%%%')],
  ])('refuse %s with a 400 naming cursor', (_, run) => {
    expect(refusal(run)).toEqual({ status: 400, fields: ['cursor'] });
  });
});
