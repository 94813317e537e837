import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { FacilitiesController } from './facilities/facilities.controller';
import { FacilityAvailability } from './facilities/facility-availability';
import { ChangeFacilityHandler, RegisterFacilityHandler } from './facilities/facility-commands.handler';
import { DeadlineWatcher } from './deadline-watcher/deadline-watcher';
import { CommandRunner } from './pipeline/command-runner';
import { ExclusiveLocks } from './pipeline/exclusive-locks';
import { DecideOnRequestHandler } from './placement-requests/decide-on-request.handler';
import { FilePlacementRequestHandler } from './placement-requests/file-placement-request.handler';
import { MakeOfferHandler } from './placement-requests/make-offer.handler';
import { PlaceChildHandler } from './placement-requests/place-child.handler';
import { PlacementRequestsController } from './placement-requests/placement-requests.controller';

/** The write side over HTTP: every command of PRODUCT.md §6 and the reads that come from streams. */
@Module({
  imports: [CqrsModule.forRoot()],
  controllers: [PlacementRequestsController, FacilitiesController],
  providers: [
    { provide: CommandRunner, useFactory: (store: EventStore) => new CommandRunner(store), inject: [EVENT_STORE] },
    FacilityAvailability,
    ExclusiveLocks,
    FilePlacementRequestHandler,
    MakeOfferHandler,
    DecideOnRequestHandler,
    PlaceChildHandler,
    RegisterFacilityHandler,
    ChangeFacilityHandler,
    DeadlineWatcher,
  ],
})
export class CommandsModule {}
