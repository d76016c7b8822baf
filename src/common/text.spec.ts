import fc from 'fast-check';
import { excerpt, MAX_DESCRIPTION_LENGTH, safeDescription } from './text';
import { OAuthException } from '../errors/oauth.exception';

const RFC_CHARSET = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;

describe('safeDescription', () => {
  it('keeps RFC 6749 §5.2 text as it is', () => {
    expect(safeDescription("The grant type 'x' is not supported.")).toBe(
      "The grant type 'x' is not supported.",
    );
  });

  it('turns double quotes into single ones and everything else outside the set into ?', () => {
    expect(safeDescription('Unknown scope "a\r\nb\\c\0é😀".')).toBe("Unknown scope 'a??b?c???'.");
  });

  it('cuts long text to the bound', () => {
    const long = safeDescription('x'.repeat(5000));
    expect(long).toHaveLength(MAX_DESCRIPTION_LENGTH);
    expect(long.endsWith('...')).toBe(true);
  });

  it('whatever the input, the result is within the charset and the bound', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 800 }), (text) => {
        const safe = safeDescription(text);
        expect(safe).toMatch(RFC_CHARSET);
        expect(safe.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
      }),
    );
  });
});

describe('excerpt', () => {
  it('quotes a sanitised, bounded piece of a value', () => {
    expect(excerpt('accounts:read\0\x01')).toBe("'accounts:read??'");
    expect(excerpt('client_credentials\r\nX-Injected: 1')).toBe(
      "'client_credentials??X-Injected: 1'",
    );
    expect(excerpt('a'.repeat(100), 10)).toBe(`'${'a'.repeat(10)}...'`);
    expect(excerpt('it\'s "quoted"')).toBe("'it?s ?quoted?'");
  });
});

describe('OAuthException', () => {
  it('keeps every description within the charset, in the body and in the challenge', () => {
    const error = OAuthException.bearer(
      'invalid_token',
      'bad "token"\r\nX-Injected: 1',
      401,
      'realm "x"\n',
      'a"b',
    );
    expect(error.description).toBe("bad 'token'??X-Injected: 1");
    expect(error.getResponse()).toEqual({
      error: 'invalid_token',
      error_description: "bad 'token'??X-Injected: 1",
    });
    expect(error.headers['WWW-Authenticate']).toBe(
      `Bearer realm="realm ?x??", error="invalid_token", error_description="bad 'token'??X-Injected: 1", scope="a?b"`,
    );
  });
});
