import type { MigrationInterface } from 'typeorm';
import { OAuthInitialSchema1764100000000 } from './1764100000000-oauth-initial-schema';
import { OAuthDpop1764200000000 } from './1764200000000-oauth-dpop';

/** A TypeORM migration class. */
export type MigrationClass = new () => MigrationInterface;

/** Add these to your DataSource's `migrations` when you pass your own DataSource. */
export const OAUTH_MIGRATIONS: MigrationClass[] = [
  OAuthInitialSchema1764100000000,
  OAuthDpop1764200000000,
];
