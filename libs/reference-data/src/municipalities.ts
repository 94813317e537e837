import { findCounty } from './counties';
import { MUNICIPALITY_ROWS } from './municipality-table';
import type { RegionId } from './regions';

export { MUNICIPALITY_NUMBERING_YEAR } from './municipality-table';

export interface Municipality {
  number: string;
  name: string;
  /** The county number: the municipality number's first two digits. */
  county: string;
  region: RegionId;
  /** The administrative centre, for great-circle distances. */
  centre: { lat: number; lon: number };
}

export const MUNICIPALITIES: readonly Municipality[] = MUNICIPALITY_ROWS.map(([number, name, lat, lon]) => {
  const county = findCounty(number.slice(0, 2));
  if (!county) throw new Error(`Reference data: municipality ${number} lies in no known county`);
  return { number, name, county: county.number, region: county.region, centre: { lat, lon } };
});

const byNumber = new Map(MUNICIPALITIES.map((municipality) => [municipality.number, municipality]));

/** The municipality with this number in the current numbering, or undefined (an unknown number is rejected). */
export function findMunicipality(number: string): Municipality | undefined {
  return byNumber.get(number);
}

export function regionOfMunicipality(number: string): RegionId | undefined {
  return byNumber.get(number)?.region;
}
