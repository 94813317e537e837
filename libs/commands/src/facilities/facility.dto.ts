import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDefined, IsIn, IsInt, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { FACILITY_KINDS, TARGET_GROUPS, type FacilityKind, type TargetGroup } from '@bistand/placement/shared';
import { REGIONS } from '@bistand/reference-data/regions';
import { BusinessTimeDto, UUID } from '../http/common.dto';

const MAX_PLACES = 500;

export class LocationDto {
  @ApiProperty({ example: 59.91 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'lat must be a number' })
  @Min(57, { message: 'lat must be at least 57 (Norway)' })
  @Max(72, { message: 'lat must be at most 72 (Norway)' })
  lat!: number;

  @ApiProperty({ example: 10.75 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'lon must be a number' })
  @Min(4, { message: 'lon must be at least 4 (Norway)' })
  @Max(32, { message: 'lon must be at most 32 (Norway)' })
  lon!: number;
}

export class RegisterFacilityDto extends BusinessTimeDto {
  @ApiPropertyOptional({ description: 'Client-chosen facility id (UUID)' })
  @IsOptional()
  @Matches(UUID, { message: 'id must be a UUID' })
  id?: string;

  @ApiProperty({ example: 'Tromsø ungdomshjem' })
  @IsString({ message: 'name must be a string' })
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(200, { message: 'name must be at most 200 characters' })
  name!: string;

  @ApiProperty({ enum: FACILITY_KINDS })
  @IsIn(FACILITY_KINDS, { message: `kind must be one of ${FACILITY_KINDS.join(', ')}` })
  kind!: FacilityKind;

  @ApiProperty({ enum: REGIONS })
  @IsIn(REGIONS, { message: `region must be one of ${REGIONS.join(', ')}` })
  region!: string;

  @ApiProperty({ example: '5501' })
  @Matches(/^\d{4}$/, { message: 'municipality must be a 4-digit municipality number' })
  municipality!: string;

  @ApiProperty({ type: LocationDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => LocationDto)
  location!: LocationDto;

  @ApiProperty({ example: 4 })
  @IsInt({ message: 'places must be a whole number' })
  @Min(0, { message: 'places must be at least 0' })
  @Max(MAX_PLACES, { message: `places must be at most ${MAX_PLACES}` })
  places!: number;

  @ApiProperty({ enum: TARGET_GROUPS, isArray: true })
  @IsArray({ message: 'targetGroups must be an array' })
  @ArrayMinSize(1, { message: 'targetGroups must name at least one target group' })
  @ArrayMaxSize(TARGET_GROUPS.length, { message: `targetGroups must have at most ${TARGET_GROUPS.length} entries` })
  @ArrayUnique({ message: 'targetGroups must not repeat a value' })
  @IsIn(TARGET_GROUPS, { each: true, message: `each of targetGroups must be one of ${TARGET_GROUPS.join(', ')}` })
  targetGroups!: TargetGroup[];
}

export class ChangeCapacityDto extends BusinessTimeDto {
  @ApiProperty({ example: 6 })
  @IsInt({ message: 'places must be a whole number' })
  @Min(0, { message: 'places must be at least 0' })
  @Max(MAX_PLACES, { message: `places must be at most ${MAX_PLACES}` })
  places!: number;

  @ApiProperty()
  @IsString({ message: 'reason must be a string' })
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(1_000, { message: 'reason must be at most 1000 characters' })
  reason!: string;
}

export class FacilityStatusDto extends BusinessTimeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(1_000, { message: 'reason must be at most 1000 characters' })
  reason?: string;
}
