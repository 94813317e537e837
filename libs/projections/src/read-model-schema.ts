import type { Migration } from '@bistand/event-store/postgres/migrator';

/**
 * The read models live in their own schema, reached through the read-model pool's search_path, so
 * a rebuild can fill a fresh schema beside it and swap the two in one transaction.
 */
export const READ_MODEL_SCHEMA = 'read_models';

/** Tables of the read side. Checkpoints live beside the rows they vouch for. */
export const readModelMigrations: Migration[] = [
  {
    version: 1,
    name: 'checkpoints',
    sql: `
      CREATE TABLE rm_checkpoints (
        projection text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'requests-and-breaches',
    sql: `
      -- One row per placement request: its folded state plus the columns lists, the deadline
      -- watcher and the statistics filter on.
      CREATE TABLE rm_requests (
        request_id uuid PRIMARY KEY,
        municipality text NOT NULL,
        region text NOT NULL,
        urgency text NOT NULL,
        status text NOT NULL,
        requested_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        first_offer_at timestamptz,
        offer_deadline timestamptz NOT NULL,
        deadline_policy text NOT NULL,
        deadline_state text NOT NULL, -- pending | met | missed | cancelled
        placed_far boolean,
        outside_home_region boolean,
        state jsonb NOT NULL,
        position bigint NOT NULL
      );
      CREATE INDEX rm_requests_list ON rm_requests (region, municipality, status, request_id);
      CREATE INDEX rm_requests_pending_deadline ON rm_requests (offer_deadline) WHERE deadline_state = 'pending';
      CREATE INDEX rm_requests_requested_at ON rm_requests (requested_at);

      -- The breach register: never deleted; a retraction is a mark with its time.
      CREATE TABLE rm_breaches (
        id uuid PRIMARY KEY,
        request_id uuid NOT NULL,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        region text NOT NULL,
        municipality text NOT NULL,
        urgency text NOT NULL,
        placement_kind text NOT NULL,
        offer_id uuid,
        policy_version text NOT NULL,
        retracted boolean NOT NULL DEFAULT false,
        retracted_at timestamptz,
        position bigint NOT NULL
      );
      CREATE INDEX rm_breaches_list ON rm_breaches (occurred_at, id);
      CREATE INDEX rm_breaches_request ON rm_breaches (request_id);
      -- Keyset pages in (occurred_at, id) order, also within one region, municipality or type.
      CREATE INDEX rm_breaches_region ON rm_breaches (region, occurred_at, id);
      CREATE INDEX rm_breaches_municipality ON rm_breaches (municipality, occurred_at, id);
      CREATE INDEX rm_breaches_type ON rm_breaches (type, occurred_at, id);
    `,
  },
  {
    version: 3,
    name: 'capacity',
    sql: `
      -- Each facility's current numbers, and every version of them with the (recorded) time range it held.
      CREATE TABLE rm_facilities (
        facility_id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL,
        region text NOT NULL,
        municipality text NOT NULL,
        lat double precision NOT NULL,
        lon double precision NOT NULL,
        target_groups text[] NOT NULL,
        status text NOT NULL,
        places int NOT NULL,
        occupied int NOT NULL DEFAULT 0,
        reserved int NOT NULL DEFAULT 0
      );
      CREATE TABLE rm_capacity_history (
        facility_id uuid NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        region text NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        places int NOT NULL,
        occupied int NOT NULL,
        reserved int NOT NULL,
        PRIMARY KEY (facility_id, valid_from)
      );
      -- asOf finds the version valid at an instant through its range; "now" through the open versions.
      CREATE INDEX rm_capacity_history_range ON rm_capacity_history USING gist (tstzrange(valid_from, valid_to, '[)'));
      CREATE INDEX rm_capacity_history_open ON rm_capacity_history (facility_id) WHERE valid_to IS NULL;
      -- One row per offer, enough to count a facility's reserved and occupied places.
      CREATE TABLE rm_facility_offers (
        offer_id uuid PRIMARY KEY,
        request_id uuid NOT NULL,
        facility_id uuid NOT NULL,
        status text NOT NULL
      );
      CREATE INDEX rm_facility_offers_facility ON rm_facility_offers (facility_id, status);
      CREATE INDEX rm_facility_offers_request ON rm_facility_offers (request_id);
    `,
  },
];
