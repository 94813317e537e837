import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsCalendarDate, isCalendarDate } from '@bistand/http/calendar-date';
import { UUID } from '@bistand/http/patterns';

export { UUID };

/** Every command may say when the fact happened (PRODUCT.md §2). */
export class BusinessTimeDto {
  @ApiPropertyOptional({ example: '2025-03-03T08:00:00+01:00', description: 'When the fact happened; defaults to now' })
  @IsOptional()
  @IsCalendarDate('date-time')
  occurredAt?: string;
}

/** A date-time with offset that exists in the calendar (the DTOs check it too; this guards the metadata). */
export function isRealInstant(text: string): boolean {
  return isCalendarDate(text, 'date-time');
}
