import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from './event-store.port';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import { EventVisibilityReadiness, VISIBILITY_POOL, visibilityPool } from './postgres/visibility';

export type EventStoreConnection =
  | { kind: 'postgres'; connectionString: string; poolSize?: number; /** Shown in pg_stat_activity (default `bistand`). */ applicationName?: string }
  | { kind: 'kurrentdb'; connectionString: string };

/** Opens the configured adapter; both satisfy the same contract suite. */
export async function openEventStore(connection: EventStoreConnection): Promise<EventStore> {
  switch (connection.kind) {
    case 'postgres':
      return PostgresEventStore.connect(connection);
    case 'kurrentdb':
      return KurrentDbEventStore.connect(connection.connectionString);
    default: {
      const unknown: never = connection;
      throw new Error(`Unknown event store ${JSON.stringify(unknown)}`);
    }
  }
}

@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Provides `EVENT_STORE` to the app and closes it on shutdown. */
@Module({})
export class EventStoreModule {
  static forRoot(connection: EventStoreConnection): DynamicModule {
    // The app's connections are named, so /health/ready can tell its transactions from an operator's (eventVisibility).
    const named: EventStoreConnection = connection.kind === 'postgres' ? { applicationName: 'bistand-api', ...connection } : connection;
    const visibility =
      named.kind === 'postgres' ? [{ provide: VISIBILITY_POOL, useFactory: () => visibilityPool(named.connectionString, named.applicationName ?? 'bistand-api') }, EventVisibilityReadiness] : [];
    return {
      module: EventStoreModule,
      global: true,
      providers: [{ provide: EVENT_STORE, useFactory: () => openEventStore(named) }, EventStoreLifecycle, ...visibility],
      exports: [EVENT_STORE],
    };
  }
}
