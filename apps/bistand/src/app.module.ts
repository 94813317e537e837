import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule } from '@bistand/auth/auth.module';
import { CommandsModule } from '@bistand/commands/commands.module';
import { IdentityNumberInterceptor } from '@bistand/http/identity-number.interceptor';
import { ProblemFilter } from '@bistand/http/problem.filter';
import { OpsModule } from '@bistand/ops/ops.module';
import { ReadModelsModule } from '@bistand/projections/read-models.module';
import type { BistandConfig } from '@bistand/config';
import { EventStoreModule, type EventStoreConnection } from '@bistand/event-store/event-store.module';
import { HealthController } from './health/health.controller';
import { BISTAND_CONFIG } from './tokens';

export interface AppModuleOptions {
  config: BistandConfig;
  /** The PostgreSQL database for events (with EVENT_STORE=postgres) and read models. */
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl }: AppModuleOptions): DynamicModule {
    const eventStore: EventStoreConnection =
      config.eventStore === 'kurrentdb' && config.kurrentdbUrl
        ? { kind: 'kurrentdb', connectionString: config.kurrentdbUrl }
        : { kind: 'postgres', connectionString: databaseUrl };
    return {
      module: AppModule,
      imports: [OpsModule, EventStoreModule.forRoot(eventStore), ReadModelsModule.forRoot(databaseUrl), AuthModule.forRoot(config.jwt), CommandsModule],
      controllers: [HealthController],
      providers: [
        { provide: BISTAND_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: IdentityNumberInterceptor },
      ],
    };
  }
}
