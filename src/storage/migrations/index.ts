import { OAuthInitialSchema1764100000000 } from './1764100000000-oauth-initial-schema';

/** Add these to your DataSource's `migrations` when you pass your own DataSource. */
export const OAUTH_MIGRATIONS = [OAuthInitialSchema1764100000000];
