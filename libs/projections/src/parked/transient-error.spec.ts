import { isTransientError } from './transient-error';

/** A node-postgres DatabaseError as the driver builds it: a message and a SQLSTATE. */
function pgError(code: string, message = 'database error'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isTransientError: what a projection retries instead of parking (PRODUCT.md §9)', () => {
  it.each([
    ['connection failure 08006', pgError('08006')],
    ['connection does not exist 08003', pgError('08003')],
    ['admin shutdown 57P01 (pg_terminate_backend, server stopping)', pgError('57P01', 'terminating connection due to administrator command')],
    ['crash shutdown 57P02', pgError('57P02')],
    ['database starting up 57P03', pgError('57P03', 'the database system is starting up')],
    ['too many connections 53300', pgError('53300', 'sorry, too many clients already')],
    ['out of memory 53200', pgError('53200')],
    ['serialization failure 40001', pgError('40001')],
    ['deadlock 40P01', pgError('40P01')],
    ['lock timeout 55P03', pgError('55P03')],
    ['statement timeout 57014', pgError('57014', 'canceling statement due to statement timeout')],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['broken pipe', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
    ['connection terminated (no code)', new Error('Connection terminated unexpectedly')],
    ['client not queryable after a connection error', new Error('Client has encountered a connection error and is not queryable')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
  ])('retries %s', (_, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ['a TypeError from malformed event data', new TypeError("Cannot read properties of undefined (reading 'lat')")],
    ['invalid text representation 22P02 (a malformed id)', pgError('22P02', 'invalid input syntax for type uuid: "garbage"')],
    ['not-null violation 23502', pgError('23502')],
    ['unique violation 23505', pgError('23505')],
    ['undefined column 42703 (a bug)', pgError('42703')],
    ['an unexpected event', new Error('OfferAccepted names offer x, which request y never made')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('parks %s', (_, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});
