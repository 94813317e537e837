import { Logger, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { syntheticIdentityNumber } from '../../../test/support/identity-numbers';
import { ProblemFilter } from './problem.filter';

const FNR = syntheticIdentityNumber(21);

function respond(exception: unknown): { status: number; body: string } {
  const sent = { status: 0, body: '' };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    type() {
      return this;
    },
    send(body: string) {
      sent.body = body;
      return this;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new ProblemFilter().catch(exception, host);
  return sent;
}

describe('problem filter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('never writes an identity number from an error into the log', () => {
    const logged: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void logged.push(String(message)));
    const answer = respond(new Error(`invalid input syntax for type uuid: "${FNR.slice(0, 6)}-${FNR.slice(6)}"`));
    expect(answer.status).toBe(500);
    expect(logged.length).toBe(1);
    expect(logged.join()).not.toMatch(new RegExp(`${FNR.slice(0, 6)}.?${FNR.slice(6)}`));
    expect(logged.join()).toContain('[identity number removed]');
  });

  it('never echoes an identity number that a framework error repeats from the request', () => {
    const answer = respond(new NotFoundException(`Cannot GET /v1/people/${FNR}`));
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain(FNR);
  });
});
