import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { FACILITY_KINDS, TARGET_GROUPS, URGENCIES, type FacilityKind, type TargetGroup, type Urgency } from '@bistand/placement/shared';
import { PLACEMENT_END_REASONS, REFUSAL_REASONS, type PlacementEndReason, type RefusalReason } from '@bistand/placement/placement-request/placement-request.events';
import { IsCalendarDate } from '@bistand/http/calendar-date';
import { BusinessTimeDto, UUID } from '../http/common.dto';

const REASON_MAX = 1_000;

export class FilePlacementRequestDto extends BusinessTimeDto {
  @ApiPropertyOptional({ description: 'Client-chosen request id (UUID); generated when absent' })
  @IsOptional()
  @Matches(UUID, { message: 'id must be a UUID' })
  id?: string;

  @ApiProperty({ example: '0301', description: '4-digit municipality number (2024 numbering)' })
  @Matches(/^\d{4}$/, { message: 'municipality must be a 4-digit municipality number' })
  municipality!: string;

  @ApiProperty({ example: 'oslo-2025-0042', description: "The municipality's pseudonymous reference: 1–64 letters, digits, - or _" })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'childRef must be 1–64 characters of letters, digits, - and _' })
  childRef!: string;

  @ApiProperty({ example: 2012 })
  @IsInt({ message: 'birthYear must be a whole number' })
  @Min(1990, { message: 'birthYear must not be before 1990' })
  @Max(2100, { message: 'birthYear must not be after 2100' })
  birthYear!: number;

  @ApiProperty({ enum: URGENCIES })
  @IsIn(URGENCIES, { message: `urgency must be one of ${URGENCIES.join(', ')}` })
  urgency!: Urgency;

  @ApiProperty({ enum: FACILITY_KINDS })
  @IsIn(FACILITY_KINDS, { message: `placementKind must be one of ${FACILITY_KINDS.join(', ')}` })
  placementKind!: FacilityKind;

  @ApiProperty({ enum: TARGET_GROUPS })
  @IsIn(TARGET_GROUPS, { message: `targetGroup must be one of ${TARGET_GROUPS.join(', ')}` })
  targetGroup!: TargetGroup;

  @ApiProperty({ example: '2025-03-03T12:00:00+01:00', description: 'ISO 8601 date or date-time with offset; a bare date means the end of that day in Oslo' })
  @IsCalendarDate('date-or-date-time')
  neededBy!: string;

  @ApiProperty({ example: 'bvl. § 6-1' })
  @IsString({ message: 'legalBasis must be a string' })
  @IsNotEmpty({ message: 'legalBasis must not be empty' })
  @MaxLength(200, { message: 'legalBasis must be at most 200 characters' })
  legalBasis!: string;

  @ApiProperty()
  @IsBoolean({ message: 'childHeard must be true or false' })
  childHeard!: boolean;
}

export class MakeOfferDto extends BusinessTimeDto {
  @ApiPropertyOptional({ description: 'Client-chosen offer id (UUID)' })
  @IsOptional()
  @Matches(UUID, { message: 'offerId must be a UUID' })
  offerId?: string;

  @ApiProperty()
  @Matches(UUID, { message: 'facilityId must be a UUID' })
  facilityId!: string;

  @ApiProperty({ example: '2025-03-03', description: 'ISO 8601 date or date-time with offset' })
  @IsCalendarDate('date-or-date-time')
  startDate!: string;

  @ApiPropertyOptional({ description: 'Offer although the facility has no free place (needs a reason)' })
  @IsOptional()
  @IsBoolean({ message: 'overbook must be true or false' })
  overbook?: boolean;

  @ApiPropertyOptional({ description: 'Why the facility is overbooked; required with overbook' })
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(REASON_MAX, { message: `reason must be at most ${REASON_MAX} characters` })
  reason?: string;
}

export class AnswerOfferDto extends BusinessTimeDto {}

export class RefuseOfferDto extends BusinessTimeDto {
  @ApiProperty({ enum: REFUSAL_REASONS })
  @IsIn(REFUSAL_REASONS, { message: `reason must be one of ${REFUSAL_REASONS.join(', ')}` })
  reason!: RefusalReason;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString({ message: 'comment must be a string' })
  @MaxLength(REASON_MAX, { message: `comment must be at most ${REASON_MAX} characters` })
  comment?: string;
}

export class ReasonDto extends BusinessTimeDto {
  @ApiProperty()
  @IsString({ message: 'reason must be a string' })
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(REASON_MAX, { message: `reason must be at most ${REASON_MAX} characters` })
  reason!: string;
}

export class PlaceChildDto {
  @ApiProperty()
  @Matches(UUID, { message: 'offerId must be a UUID' })
  offerId!: string;

  @ApiProperty({ example: '2025-03-03T11:00:00+01:00', description: 'When the child moved in (business time of the placement)' })
  @IsCalendarDate('date-time')
  placedAt!: string;
}

export class EndPlacementDto {
  @ApiProperty({ example: '2025-09-01T10:00:00+02:00' })
  @IsCalendarDate('date-time')
  endedAt!: string;

  @ApiProperty({ enum: PLACEMENT_END_REASONS })
  @IsIn(PLACEMENT_END_REASONS, { message: `reason must be one of ${PLACEMENT_END_REASONS.join(', ')}` })
  reason!: PlacementEndReason;
}
