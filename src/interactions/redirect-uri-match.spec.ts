import { matchRedirectUri } from './redirect-uri-match';

describe('matchRedirectUri (authorization requests)', () => {
  const registered = ['https://app.example/cb', 'http://127.0.0.1:8080/native'];

  it('matches a registered URI exactly', () => {
    expect(matchRedirectUri('https://app.example/cb', registered)).toBe('https://app.example/cb');
  });

  it.each([
    'https://app.example/cb/extra',
    'https://app.example/cb?x=1',
    'https://app.example/cb#f',
    'http://app.example/cb',
    'https://APP.example/cb',
    'https://app.example:8443/cb',
    'https://app.example/CB',
    'https://app.example/cb/',
  ])('refuses %s (not the same string)', (requested) => {
    expect(matchRedirectUri(requested, registered)).toBeUndefined();
  });

  it('lets a loopback http URI use another port (RFC 8252 §7.3), nothing else may differ', () => {
    expect(matchRedirectUri('http://127.0.0.1:51234/native', registered)).toBe(
      'http://127.0.0.1:51234/native',
    );
    expect(matchRedirectUri('http://127.0.0.1:51234/other', registered)).toBeUndefined();
    expect(matchRedirectUri('http://localhost:8080/native', registered)).toBeUndefined();
    expect(matchRedirectUri('http://127.0.0.1:51234/native?x=1', registered)).toBeUndefined();
  });

  it('allows omitting redirect_uri only when exactly one is registered', () => {
    expect(matchRedirectUri(undefined, ['https://app.example/cb'])).toBe('https://app.example/cb');
    expect(matchRedirectUri(undefined, registered)).toBeUndefined();
  });
});
