import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Pool } from 'pg';
import { distanceKm } from '@bistand/placement/distance';
import { instantFromQuery } from '@bistand/placement/oslo-time';
import { FACILITY_KINDS } from '@bistand/placement/shared';
import { IsCalendarDate } from '@bistand/http/calendar-date';
import { REGIONS } from '@bistand/reference-data/regions';


export class CapacityQuery {
  @ApiPropertyOptional({ enum: REGIONS })
  @IsOptional()
  @IsIn(REGIONS, { message: `region must be one of ${REGIONS.join(', ')}` })
  region?: string;

  @ApiPropertyOptional({ enum: FACILITY_KINDS })
  @IsOptional()
  @IsIn(FACILITY_KINDS, { message: `kind must be one of ${FACILITY_KINDS.join(', ')}` })
  kind?: string;

  @ApiPropertyOptional({ description: 'Capacity as recorded at this past instant (ISO 8601)' })
  @IsOptional()
  @IsCalendarDate('date-or-date-time')
  asOf?: string;
}

export interface CapacityRow {
  region: string;
  kind: string;
  facilities: number;
  places: number;
  occupied: number;
  reserved: number;
  available: number;
  suspended: number;
  overbooked: number;
}

/**
 * Places per region and kind (PRODUCT.md §5), now or as recorded at `asOf`, from the history rows
 * valid at that instant. Closed facilities are left out; suspended ones count as 0 available.
 */
export async function readCapacity(pool: Pool, query: CapacityQuery): Promise<CapacityRow[]> {
  const params: unknown[] = [];
  const where = [`status <> 'closed'`];
  if (query.asOf) {
    params.push(instantFromQuery(query.asOf));
    where.push(`tstzrange(valid_from, valid_to, '[)') @> $${params.length}::timestamptz`);
  } else {
    where.push('valid_to IS NULL');
  }
  if (query.region) {
    params.push(query.region);
    where.push(`region = $${params.length}`);
  }
  if (query.kind) {
    params.push(query.kind);
    where.push(`kind = $${params.length}`);
  }
  const { rows } = await pool.query<CapacityRow>(
    `SELECT region, kind,
            count(*)::int AS facilities,
            sum(places)::int AS places,
            sum(occupied)::int AS occupied,
            sum(reserved)::int AS reserved,
            sum(CASE WHEN status = 'active' THEN greatest(0, places - occupied - reserved) ELSE 0 END)::int AS available,
            count(*) FILTER (WHERE status = 'suspended')::int AS suspended,
            count(*) FILTER (WHERE occupied + reserved > places)::int AS overbooked
       FROM rm_capacity_history WHERE ${where.join(' AND ')}
      GROUP BY region, kind ORDER BY region, kind`,
    params,
  );
  return rows;
}

export interface MatchRow {
  facilityId: string;
  name: string;
  kind: string;
  region: string;
  targetGroups: string[];
  available: number;
  distanceKm: number;
  fitsNeeds: boolean;
}

/**
 * Active facilities with a free place for a request, ranked: same kind and target group first,
 * then in the request's region, then by great-circle distance from the home municipality.
 */
export async function readMatches(
  pool: Pool,
  request: { placementKind: string; targetGroup: string; region: string; home: { lat: number; lon: number } },
  limit = 50,
): Promise<MatchRow[]> {
  const { rows } = await pool.query<{ facility_id: string; name: string; kind: string; region: string; target_groups: string[]; available: number; lat: number; lon: number }>(
    `SELECT facility_id, name, kind, region, target_groups, places - occupied - reserved AS available, lat, lon
       FROM rm_facilities WHERE status = 'active' AND places - occupied - reserved > 0`,
  );
  return rows
    .map((row) => ({
      facilityId: row.facility_id,
      name: row.name,
      kind: row.kind,
      region: row.region,
      targetGroups: row.target_groups,
      available: row.available,
      distanceKm: distanceKm(request.home, { lat: row.lat, lon: row.lon }),
      fitsNeeds: row.kind === request.placementKind && row.target_groups.includes(request.targetGroup),
    }))
    .sort((a, b) => Number(b.fitsNeeds) - Number(a.fitsNeeds) || Number(b.region === request.region) - Number(a.region === request.region) || a.distanceKm - b.distanceKm)
    .slice(0, limit);
}
