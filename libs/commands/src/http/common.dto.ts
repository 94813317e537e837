import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ISO_DATE_OR_DATE_TIME, ISO_DATE_TIME_WITH_OFFSET, UUID } from '@bistand/http/patterns';

export { ISO_DATE_OR_DATE_TIME, ISO_DATE_TIME_WITH_OFFSET, UUID };


/** Every command may say when the fact happened (PRODUCT.md §2). */
export class BusinessTimeDto {
  @ApiPropertyOptional({ example: '2025-03-03T08:00:00+01:00', description: 'When the fact happened; defaults to now' })
  @IsOptional()
  @Matches(ISO_DATE_TIME_WITH_OFFSET, { message: 'occurredAt must be an ISO 8601 date-time with an offset, e.g. 2025-03-03T08:00:00+01:00' })
  occurredAt?: string;
}

/** A date-time text is well-formed by its pattern; this rejects impossible ones such as 2025-02-30. */
export function isRealInstant(text: string): boolean {
  const instant = Date.parse(text);
  if (Number.isNaN(instant)) return false;
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}
