import { createHash } from 'node:crypto';
import { verifierMatches } from './pkce';

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
// RFC 7636 Appendix B: the S256 challenge of the verifier above.
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('verifierMatches (RFC 7636)', () => {
  it('accepts the RFC 7636 Appendix B example', () => {
    expect(verifierMatches(VERIFIER, CHALLENGE, 'S256')).toBe(true);
  });

  it('refuses another verifier, and the challenge itself used as verifier', () => {
    expect(verifierMatches(`${VERIFIER.slice(0, -1)}a`, CHALLENGE, 'S256')).toBe(false);
    expect(verifierMatches(CHALLENGE, CHALLENGE, 'S256')).toBe(false);
  });

  it('refuses verifiers outside 43-128 unreserved characters, even when they hash right', () => {
    for (const verifier of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}!`]) {
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      expect(verifierMatches(verifier, challenge, 'S256')).toBe(false);
    }
  });

  it('compares plain challenges directly', () => {
    expect(verifierMatches(VERIFIER, VERIFIER, 'plain')).toBe(true);
    expect(verifierMatches(VERIFIER, CHALLENGE, 'plain')).toBe(false);
  });
});
