import { findIdentityNumbers } from './identity-number-guard';

// Synthetic numbers with valid check digits (not real people): a fødselsnummer and a D-number.
const FNR = '13097248022';
const DNR = '53097248016';

describe('identity number guard', () => {
  it('finds a valid fødselsnummer as a whole value', () => {
    expect(findIdentityNumbers({ childRef: FNR })).toEqual(['childRef']);
  });

  it('finds a valid D-number inside free text, naming the nested field', () => {
    expect(findIdentityNumbers({ offer: { comment: `barnet har dnr ${DNR}, ring oss` } })).toEqual(['offer.comment']);
  });

  it('finds numbers in arrays', () => {
    expect(findIdentityNumbers({ targetGroups: ['care', `x${FNR}`] })).toEqual(['targetGroups[1]']);
  });

  it('ignores 11-digit runs whose check digits are wrong', () => {
    expect(findIdentityNumbers({ comment: '13097248023 and 12345678901' })).toEqual([]);
  });

  it('ignores digits that are part of a longer run', () => {
    expect(findIdentityNumbers({ comment: `9${FNR}` })).toEqual([]);
  });

  it('ignores numbers and booleans, UUIDs and ISO dates', () => {
    expect(findIdentityNumbers({ places: 13097248022, childHeard: true, id: '13097248-0220-4000-8000-000000000000', neededBy: '2025-03-03T10:00:00+01:00' })).toEqual([]);
  });
});
