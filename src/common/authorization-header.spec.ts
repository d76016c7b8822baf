import { basicCredentialsFrom, bearerTokenFrom } from './authorization-header';

describe('bearerTokenFrom (RFC 6750 §2.1)', () => {
  it('reads a b64token, case-insensitive scheme', () => {
    expect(bearerTokenFrom('Bearer abc.DEF-_~+/=')).toBe('abc.DEF-_~+/=');
    expect(bearerTokenFrom('bearer abc')).toBe('abc');
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Bearer a b', 'Basic abc', 'Bearer a"b'])(
    'finds no token in %p',
    (header) => {
      expect(bearerTokenFrom(header)).toBeUndefined();
    },
  );
});

describe('basicCredentialsFrom (RFC 6749 §2.3.1)', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

  it('splits at the first colon and form-decodes both parts', () => {
    expect(basicCredentialsFrom(basic('client%3A1:se%2Bcret:with:colons'))).toEqual({
      id: 'client:1',
      secret: 'se+cret:with:colons',
    });
    expect(basicCredentialsFrom(basic('a+b:c'))).toEqual({ id: 'a b', secret: 'c' });
  });

  it.each([undefined, 'Basic', 'Basic !!!', basic('no-colon'), basic('bad%E0%A4:x'), 'Bearer abc'])(
    'refuses %p',
    (header) => {
      expect(basicCredentialsFrom(header)).toBeUndefined();
    },
  );
});
