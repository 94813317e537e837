import { distanceKm } from '@bistand/placement/distance';
import { COUNTIES } from './counties';
import { MUNICIPALITIES, MUNICIPALITY_NUMBERING_YEAR, findMunicipality, regionOfMunicipality } from './municipalities';
import { REGIONS } from './regions';

describe('reference data', () => {
  it('holds the 2024 numbering: 357 municipalities with unique numbers, 15 counties, 6 intake regions', () => {
    expect(MUNICIPALITY_NUMBERING_YEAR).toBe(2024);
    expect(MUNICIPALITIES).toHaveLength(357);
    expect(new Set(MUNICIPALITIES.map((m) => m.number)).size).toBe(357);
    expect(COUNTIES).toHaveLength(15);
    expect(REGIONS).toHaveLength(6);
  });

  it('gives every county at least one municipality, and each municipality the county of its first two digits', () => {
    for (const county of COUNTIES) expect(MUNICIPALITIES.some((m) => m.county === county.number)).toBe(true);
    for (const municipality of MUNICIPALITIES) expect(municipality.number.startsWith(municipality.county)).toBe(true);
  });

  it('has the right number of municipalities per county (2024)', () => {
    const perCounty = Object.fromEntries(COUNTIES.map((c) => [c.number, MUNICIPALITIES.filter((m) => m.county === c.number).length]));
    expect(perCounty).toEqual({ '03': 1, '11': 23, '15': 27, '18': 41, '31': 12, '32': 21, '33': 18, '34': 46, '39': 6, '40': 17, '42': 25, '46': 43, '50': 38, '55': 21, '56': 18 });
  });

  it.each([
    ['0301', 'Oslo'],
    ['4601', 'Bergen'],
    ['5001', 'Trondheim'],
    ['1103', 'Stavanger'],
    ['5501', 'Tromsø'],
    ['4204', 'Kristiansand'],
    ['3301', 'Drammen'],
    ['1804', 'Bodø'],
    ['5601', 'Alta'],
    ['3201', 'Bærum'],
    ['1508', 'Ålesund'],
    ['1580', 'Haram'],
    ['5061', 'Rindal'],
  ])('knows %s as %s', (number, name) => {
    expect(findMunicipality(number)?.name).toBe(name);
  });

  it('rejects numbers of the old numbering, e.g. 3005 (Drammen before 2024)', () => {
    expect(findMunicipality('3005')).toBeUndefined();
    expect(findMunicipality('5401')).toBeUndefined();
  });

  it.each([
    ['0301', 'oslo'],
    ['5501', 'nord'],
    ['4204', 'sor'],
    ['4601', 'vest'],
    ['5001', 'midt'],
    ['3201', 'ost'],
    ['3301', 'sor'],
    ['1506', 'midt'],
  ])('puts %s in region %s', (number, region) => {
    expect(regionOfMunicipality(number)).toBe(region);
  });

  it('places every administrative centre inside Norway', () => {
    for (const { centre, number } of MUNICIPALITIES) {
      expect([number, centre.lat >= 57.9 && centre.lat <= 71.2 && centre.lon >= 4.5 && centre.lon <= 31.2]).toEqual([number, true]);
    }
  });

  it('measures known distances between centres', () => {
    const at = (number: string) => findMunicipality(number)!.centre;
    expect(distanceKm(at('0301'), at('4601'))).toBeGreaterThan(295);
    expect(distanceKm(at('0301'), at('4601'))).toBeLessThan(315);
    expect(distanceKm(at('5501'), at('4204'))).toBeGreaterThan(1_350);
    expect(distanceKm(at('5501'), at('4204'))).toBeLessThan(1_410);
    expect(distanceKm(at('0301'), at('0301'))).toBe(0);
  });
});
