import type { MigrationInterface } from 'typeorm';
import { OAuthInitialSchema1764100000000 } from './1764100000000-oauth-initial-schema';
import { OAuthDpop1764200000000 } from './1764200000000-oauth-dpop';
import { OAuthPushedAuthorizationRequests1764250000000 } from './1764250000000-oauth-pushed-authorization-requests';
import { OAuthRevocationNotify1764300000000 } from './1764300000000-oauth-revocation-notify';
import { OAuthDeviceAuthorization1764500000000 } from './1764500000000-oauth-device-authorization';
import { OAuthAuthorizationDetails1764600000000 } from './1764600000000-oauth-authorization-details';
import { OAuthAuthenticationContext1764700000000 } from './1764700000000-oauth-authentication-context';
import { OAuthLogout1764800000000 } from './1764800000000-oauth-logout';

/** A TypeORM migration class. */
export type MigrationClass = new () => MigrationInterface;

/**
 * Add these to your DataSource's `migrations` when you pass your own DataSource.
 *
 * Rules for every migration here, because one database may see them from two migrations
 * tables (the host's, and `oauth_migrations` of a DataSource the module builds itself):
 * - a fixed `name` (class name plus timestamp), so it is recorded the same way by any copy or
 *   build of the package, minified or not;
 * - an `up` that does nothing when its change is already in the database (run through the
 *   other table), so the second run is a no-op, not a "relation already exists" error.
 */
export const OAUTH_MIGRATIONS: MigrationClass[] = [
  OAuthInitialSchema1764100000000,
  OAuthDpop1764200000000,
  OAuthPushedAuthorizationRequests1764250000000,
  OAuthRevocationNotify1764300000000,
  OAuthDeviceAuthorization1764500000000,
  OAuthAuthorizationDetails1764600000000,
  OAuthAuthenticationContext1764700000000,
  OAuthLogout1764800000000,
];

/** Where a DataSource the module builds from DataSourceOptions records the migrations it ran. */
export const OAUTH_MIGRATIONS_TABLE = 'oauth_migrations';
