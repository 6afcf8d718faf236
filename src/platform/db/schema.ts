/**
 * The Kysely database interface. Each part of the platform and each module adds its tables by
 * declaration merging (`declare module '.../db/schema.js' { interface Database { ... } }`) in a
 * `tables.ts` beside its code, so the type grows with the migrations without one shared file.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Database {}
