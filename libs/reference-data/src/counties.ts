import type { RegionId } from './regions';

/** The 15 counties (fylker) of the 2024 numbering, each with its home region. Source: SSB's classification of counties. */
export interface County {
  number: string;
  name: string;
  region: RegionId;
}

export const COUNTIES: readonly County[] = [
  { number: '03', name: 'Oslo', region: 'oslo' },
  { number: '11', name: 'Rogaland', region: 'vest' },
  { number: '15', name: 'Møre og Romsdal', region: 'midt' },
  { number: '18', name: 'Nordland', region: 'nord' },
  { number: '31', name: 'Østfold', region: 'ost' },
  { number: '32', name: 'Akershus', region: 'ost' },
  { number: '33', name: 'Buskerud', region: 'sor' },
  { number: '34', name: 'Innlandet', region: 'ost' },
  { number: '39', name: 'Vestfold', region: 'sor' },
  { number: '40', name: 'Telemark', region: 'sor' },
  { number: '42', name: 'Agder', region: 'sor' },
  { number: '46', name: 'Vestland', region: 'vest' },
  { number: '50', name: 'Trøndelag', region: 'midt' },
  { number: '55', name: 'Troms', region: 'nord' },
  { number: '56', name: 'Finnmark', region: 'nord' },
];

const byNumber = new Map(COUNTIES.map((county) => [county.number, county]));

export function findCounty(number: string): County | undefined {
  return byNumber.get(number);
}
