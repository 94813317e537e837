import { dnr, fnr } from '@navikt/fnrvalidator';
import { syntheticIdentityNumber, withWrongCheckDigit } from '../../../test/support/identity-numbers';
import { containsIdentityNumber, findIdentityNumbers, redactIdentityNumbers, REDACTED } from './identity-number-guard';

// Synthetic numbers with valid check digits (not real people): a fødselsnummer and a D-number.
const FNR = syntheticIdentityNumber(1);
const DNR = syntheticIdentityNumber(2, { dNumber: true });
const spaced = (number: string) => `${number.slice(0, 6)} ${number.slice(6)}`;
const hyphenated = (number: string) => `${number.slice(0, 6)}-${number.slice(6)}`;

describe('identity number guard', () => {
  it('the test generator makes numbers NAV’s validator accepts', () => {
    for (let seed = 0; seed < 200; seed++) {
      expect(fnr(syntheticIdentityNumber(seed)).status).toBe('valid');
      expect(dnr(syntheticIdentityNumber(seed, { dNumber: true })).status).toBe('valid');
    }
  });

  it('finds a valid fødselsnummer as a whole value', () => {
    expect(findIdentityNumbers({ childRef: FNR })).toEqual(['childRef']);
  });

  it('finds a valid D-number inside free text, naming the nested field', () => {
    expect(findIdentityNumbers({ offer: { comment: `barnet har dnr ${DNR}, ring oss` } })).toEqual(['offer.comment']);
  });

  it('finds numbers in arrays', () => {
    expect(findIdentityNumbers({ targetGroups: ['care', `x${FNR}`] })).toEqual(['targetGroups[1]']);
  });

  it.each([
    ['DDMMYY NNNNN', spaced(FNR)],
    ['DDMMYY-NNNNN', hyphenated(FNR)],
    ['a spaced D-number in text', `dnr. ${spaced(DNR)} ble nevnt`],
    ['a hyphenated number in text', `fnr:${hyphenated(FNR)}.`],
    ['full-width digits', [...FNR].map((digit) => String.fromCharCode(0xff10 + Number(digit))).join('')],
  ])('finds the written form %s', (_, text) => {
    expect(findIdentityNumbers({ comment: text })).toEqual(['comment']);
  });

  it('finds a number in a field name without repeating it in the answer', () => {
    const fields = findIdentityNumbers({ [FNR]: 'x', note: { [spaced(DNR)]: FNR } });
    expect(fields).toEqual(['(field name)', 'note.(field name)', 'note.(field name)']);
    expect(fields.join()).not.toContain(FNR.slice(0, 6));
  });

  it('ignores 11-digit runs whose check digits are wrong', () => {
    expect(findIdentityNumbers({ comment: `${withWrongCheckDigit(FNR)} and 12345678901 and ${spaced(withWrongCheckDigit(DNR))}` })).toEqual([]);
  });

  it('ignores digits that are part of a longer run, and separators other than one space or hyphen', () => {
    expect(findIdentityNumbers({ a: `9${FNR}`, b: `${FNR}9`, c: `${FNR.slice(0, 6)}  ${FNR.slice(6)}`, d: `${FNR.slice(0, 6)}/${FNR.slice(6)}` })).toEqual([]);
  });

  it('ignores numbers and booleans, UUIDs and ISO dates', () => {
    expect(findIdentityNumbers({ places: Number(FNR), childHeard: true, id: '13097248-0220-4000-8000-000000000000', neededBy: '2025-03-03T10:00:00+01:00' })).toEqual([]);
  });

  it('redacts every valid number from a text, in each written form, and leaves other digits alone', () => {
    const text = `Cannot GET /v1/x/${FNR}?a=${spaced(DNR)}&b=${hyphenated(FNR)}&c=12345678901`;
    const redacted = redactIdentityNumbers(text);
    expect(redacted).toBe(`Cannot GET /v1/x/${REDACTED}?a=${REDACTED}&b=${REDACTED}&c=12345678901`);
    expect(containsIdentityNumber(redacted)).toBe(false);
    expect(redactIdentityNumbers('nothing here 2025-03-03')).toBe('nothing here 2025-03-03');
  });
});
