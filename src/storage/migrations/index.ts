import type { MigrationInterface } from 'typeorm';
import { OAuthInitialSchema1764100000000 } from './1764100000000-oauth-initial-schema';
import { OAuthPushedAuthorizationRequests1764200000000 } from './1764200000000-oauth-pushed-authorization-requests';

/** A TypeORM migration class. */
export type MigrationClass = new () => MigrationInterface;

/** Add these to your DataSource's `migrations` when you pass your own DataSource. */
export const OAUTH_MIGRATIONS: MigrationClass[] = [
  OAuthInitialSchema1764100000000,
  OAuthPushedAuthorizationRequests1764200000000,
];
