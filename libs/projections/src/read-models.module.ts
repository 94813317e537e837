import { Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Pool } from 'pg';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { migrate } from '@bistand/event-store/postgres/migrator';
import { ALL_PROJECTIONS } from './all-projections';
import { BreachRegister } from './breaches/breach-register';
import { BreachesController } from './breaches/breaches.controller';
import { MinPositionInterceptor } from './min-position.interceptor';
import { CapacityController } from './capacity/capacity.controller';
import { Projector } from './projector';
import { RequestListController } from './requests/requests.controller';
import { READ_MODEL_SCHEMA, readModelMigrations } from './read-model-schema';
import { Readiness } from '@bistand/ops/readiness';
import { projectorChecks } from './projector-readiness';
import { ParkedEvents } from './parked/parked-events';
import { ParkedEventsController } from './parked/parked-events.controller';
import { parkedEventsCheck } from './parked/parked-readiness';

@Injectable()
class ReadModelsLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly pool: Pool,
    private readonly projector: Projector,
    private readonly readiness: Readiness,
    private readonly parked: ParkedEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const check of projectorChecks(this.projector)) this.readiness.register(check);
    this.readiness.register(parkedEventsCheck(this.parked, ALL_PROJECTIONS.map((projection) => projection.name)));
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${READ_MODEL_SCHEMA}`);
    await migrate(this.pool, 'rm_schema_migrations', readModelMigrations);
    await this.projector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
    await this.pool.end();
  }
}

/** The read models' PostgreSQL pool and the projector that keeps them; global so queries can use them. */
@Module({})
export class ReadModelsModule {
  static forRoot(databaseUrl: string): DynamicModule {
    const logger = new Logger('Projector');
    return {
      module: ReadModelsModule,
      global: true,
      providers: [
        {
          provide: Pool,
          useFactory: () => {
            const pool = new Pool({ connectionString: databaseUrl, max: 10, application_name: 'bistand-api', options: `-c search_path=${READ_MODEL_SCHEMA}` });
            pool.on('error', () => undefined);
            return pool;
          },
        },
        {
          provide: Projector,
          useFactory: (store: EventStore, pool: Pool) => new Projector(store, pool, ALL_PROJECTIONS, (message) => logger.warn(message)),
          inject: [EVENT_STORE, Pool],
        },
        { provide: BreachRegister, useFactory: (pool: Pool) => new BreachRegister(pool), inject: [Pool] },
        { provide: ParkedEvents, useFactory: (store: EventStore, pool: Pool) => new ParkedEvents(store, pool, ALL_PROJECTIONS), inject: [EVENT_STORE, Pool] },
        { provide: APP_INTERCEPTOR, useClass: MinPositionInterceptor },
        ReadModelsLifecycle,
      ],
      controllers: [BreachesController, RequestListController, CapacityController, ParkedEventsController],
      exports: [Pool, Projector, BreachRegister, ParkedEvents],
    };
  }
}
