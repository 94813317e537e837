/** Values shared by the placement request and facility streams (PRODUCT.md §3). */
export const FACILITY_KINDS = ['institution', 'emergency_foster_home', 'foster_home'] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];

export const TARGET_GROUPS = ['acute', 'behaviour', 'care', 'substance_use', 'mental_health', 'under_12'] as const;
export type TargetGroup = (typeof TARGET_GROUPS)[number];

export const URGENCIES = ['acute', 'planned'] as const;
export type Urgency = (typeof URGENCIES)[number];

export type Role = 'municipality' | 'coordinator' | 'auditor' | 'admin' | 'system';

export interface GeoPoint {
  lat: number;
  lon: number;
}
