import {
  BAD_CLIENT_URIS,
  BAD_REDIRECT_URIS,
  GOOD_REDIRECT_URIS,
} from '../../test/support/client-uri-cases';
import { backchannelLogoutUriProblem, clientUriProblem, redirectUriProblem } from './redirect-uri';

describe('redirectUriProblem (registration rules)', () => {
  it.each([
    ['https://app.example/cb', 'confidential'],
    ['https://app.example/cb?tenant=1', 'confidential'],
    ['http://127.0.0.1:8080/cb', 'public'],
    ['http://[::1]/cb', 'public'],
    ['http://localhost:3000/cb', 'confidential'],
    ['com.example.app:/oauth/callback', 'public'],
  ] as const)('accepts %s for a %s client', (uri, type) => {
    expect(redirectUriProblem(uri, type)).toBeNull();
  });

  it.each([
    ['/cb', 'not an absolute URI'],
    ['https://app.example/cb#frag', 'fragment'],
    ['https://app.example/cb#', 'fragment'],
    ['http://app.example/cb', 'only loopback addresses'],
    ['javascript:alert(1)', 'forbidden scheme'],
    ['data:text/html,hi', 'forbidden scheme'],
    ['file:///etc/passwd', 'forbidden scheme'],
    ['com.example.app:/cb', 'only public (native app) clients'],
    ['', 'non-empty'],
    ['https://app.example/c\u0000b', 'control characters'],
    ['https://app.example/cb\n', 'control characters'],
  ])('refuses %p for a confidential client (%s)', (uri, reason) => {
    expect(redirectUriProblem(uri, 'confidential')).toContain(reason);
  });

  it('refuses a custom scheme that is not a reverse domain name, even for public clients', () => {
    expect(redirectUriProblem('myapp:/cb', 'public')).toContain('reverse domain name');
  });

  it('refuses overlong URIs and non-strings', () => {
    expect(redirectUriProblem(`https://app.example/${'a'.repeat(2100)}`, 'public')).toContain(
      '2048',
    );
    expect(redirectUriProblem(42, 'public')).toContain('non-empty string');
  });

  it.each(BAD_REDIRECT_URIS)('refuses %s: %p', (_label, uri, reason) => {
    expect(redirectUriProblem(uri, 'public')).toMatch(reason);
  });

  it.each(GOOD_REDIRECT_URIS)('accepts %p (punycode host, port, percent-encoded path)', (uri) => {
    expect(redirectUriProblem(uri, 'confidential')).toBeNull();
  });
});

describe('clientUriProblem (client_uri / website)', () => {
  it.each([
    'https://app.example',
    'http://app.example/about?x=1',
    'https://xn--bcher-kva.example/',
  ])('accepts %p', (uri) => {
    expect(clientUriProblem(uri)).toBeNull();
  });

  it.each(BAD_CLIENT_URIS)('refuses %s: %p', (_label, uri, reason) => {
    expect(clientUriProblem(uri)).toMatch(reason);
  });
});

describe('backchannelLogoutUriProblem', () => {
  it('refuses the server’s own machine unless the issuer is on it too (development)', () => {
    const issuer = 'https://bank.example';
    for (const uri of [
      'http://127.0.0.1:8080/bc',
      'http://localhost/bc',
      'https://127.0.0.2/bc',
      'https://[::1]/bc',
      'https://api.localhost/bc',
    ]) {
      expect(backchannelLogoutUriProblem(uri, issuer)).toMatch(/loopback address is refused/);
    }
    expect(
      backchannelLogoutUriProblem('http://127.0.0.1:8080/bc', 'http://127.0.0.1:3000'),
    ).toBeNull();
    expect(backchannelLogoutUriProblem('https://rp.example/bc', issuer)).toBeNull();
    expect(backchannelLogoutUriProblem('http://rp.example/bc', issuer)).toMatch(/uses http/);
  });
});
