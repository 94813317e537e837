/**
 * A running Bistand on the embedded PostgreSQL writes its database URL here (inside the data folder,
 * readable by the owner only), so `npm run projections:rebuild` can work on the same database.
 */
export const RUNNING_DATABASE_FILE = 'running-database.url';
