import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { syntheticIdentityNumber } from '../../../test/support/identity-numbers';
import { InvalidTokenError, JwtVerifier } from './jwt-verifier';

const FNR = syntheticIdentityNumber(11);

const secret = 's'.repeat(40);
const hs = new JwtVerifier({ algorithm: 'HS256', secret, isDevelopmentDefault: false });

describe('JWT verification', () => {
  it('reads a municipality caller with its municipalities', () => {
    const token = jwt.sign({ sub: 'u1', role: 'municipality', municipalities: ['0301'] }, secret);
    expect(hs.verify(token)).toEqual({ sub: 'u1', role: 'municipality', municipalities: ['0301'] });
  });

  it('reads a coordinator with its region', () => {
    const token = jwt.sign({ sub: 'c1', role: 'coordinator', region: 'nord' }, secret);
    expect(hs.verify(token)).toEqual({ sub: 'c1', role: 'coordinator', municipalities: [], region: 'nord' });
  });

  it.each([
    ['a wrong signature', jwt.sign({ sub: 'u', role: 'auditor' }, 'x'.repeat(40))],
    ['an expired token', jwt.sign({ sub: 'u', role: 'auditor', exp: Math.floor(Date.now() / 1000) - 10 }, secret)],
    ['an unknown role', jwt.sign({ sub: 'u', role: 'king' }, secret)],
    ['no sub', jwt.sign({ role: 'auditor' }, secret)],
    ['a municipality role without municipalities', jwt.sign({ sub: 'u', role: 'municipality' }, secret)],
    ['a coordinator without a valid region', jwt.sign({ sub: 'u', role: 'coordinator', region: 'mars' }, secret)],
    ['the "none" algorithm', jwt.sign({ sub: 'u', role: 'admin' }, '', { algorithm: 'none' })],
    ['garbage', 'not-a-token'],
    ['a sub that is an identity number', jwt.sign({ sub: FNR, role: 'admin' }, secret)],
    ['a sub holding a hyphenated identity number', jwt.sign({ sub: `idporten|${FNR.slice(0, 6)}-${FNR.slice(6)}`, role: 'auditor' }, secret)],
    ['an overlong sub', jwt.sign({ sub: 'u'.repeat(257), role: 'auditor' }, secret)],
  ])('rejects %s', (_, token) => {
    expect(() => hs.verify(token)).toThrow(InvalidTokenError);
  });

  it('says why a sub with an identity number is refused without repeating the number', () => {
    const token = jwt.sign({ sub: FNR, role: 'auditor' }, secret);
    expect(() => hs.verify(token)).toThrow(/must not hold a national identity number/);
    try {
      hs.verify(token);
    } catch (error) {
      expect(String(error)).not.toContain(FNR);
    }
  });

  it('verifies RS256 tokens with the public key and refuses HS256 ones signed with that key as secret', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = new JwtVerifier({ algorithm: 'RS256', publicKey: pem });
    expect(rs.verify(jwt.sign({ sub: 'a', role: 'admin' }, privateKey, { algorithm: 'RS256' }))).toMatchObject({ role: 'admin' });
    expect(() => rs.verify(jwt.sign({ sub: 'a', role: 'admin' }, pem, { algorithm: 'HS256' }))).toThrow(InvalidTokenError);
  });
});
