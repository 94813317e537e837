/**
 * Bufetat's five regions plus Oslo municipality's own intake, which carries the duties Bufetat
 * carries elsewhere (PRODUCT.md §1). Every municipality has exactly one home region.
 */
export const REGIONS = ['ost', 'sor', 'vest', 'midt', 'nord', 'oslo'] as const;
export type RegionId = (typeof REGIONS)[number];

export const REGION_NAMES: Record<RegionId, string> = {
  ost: 'Bufetat, region øst',
  sor: 'Bufetat, region sør',
  vest: 'Bufetat, region vest',
  midt: 'Bufetat, region Midt-Norge',
  nord: 'Bufetat, region nord',
  oslo: 'Oslo kommune (own intake)',
};

export function isRegionId(value: string): value is RegionId {
  return (REGIONS as readonly string[]).includes(value);
}
