// `nest-oauth-server/testing`: helpers for a host's own tests. A separate entry point so that
// production code never loads them by importing `nest-oauth-server`.
export { OAuthTesting } from './oauth-testing';
export type { TestAccessToken, TestTokenOptions } from './test-token-options';
