import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { BREACH_TYPES, type BreachType } from '@bistand/placement/breach-rules';
import { AreaPageQuery } from '../list-query.dto';
import { IsCalendarDate } from '@bistand/http/calendar-date';

export class BreachListQuery extends AreaPageQuery {

  @ApiPropertyOptional({ enum: BREACH_TYPES })
  @IsOptional()
  @IsIn(BREACH_TYPES, { message: `type must be one of ${BREACH_TYPES.join(', ')}` })
  type?: BreachType;

  @ApiPropertyOptional({ description: 'Breaches that occurred at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsCalendarDate('date-or-date-time')
  from?: string;

  @ApiPropertyOptional({ description: 'Breaches that occurred before this instant (ISO 8601)' })
  @IsOptional()
  @IsCalendarDate('date-or-date-time')
  to?: string;

  @ApiPropertyOptional({ description: 'The register as it stood at this instant: only breaches recorded by then, retracted only if retracted by then' })
  @IsOptional()
  @IsCalendarDate('date-or-date-time')
  asOf?: string;

  @ApiPropertyOptional({ description: 'Include retracted breaches (default false)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'includeRetracted must be true or false' })
  includeRetracted?: boolean;

}
