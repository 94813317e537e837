export * from './embedded-postgres';
export * from './databases';
export * from './database-provisioning';
