import { OAuthException } from '../errors/oauth.exception';
import type { AuthorizationDetailType } from '../options/authorization-detail-type';
import {
  consentCoversDetails,
  mergeDetails,
  narrowAuthorizationDetails,
  parseAuthorizationDetails,
  reusableDetails,
  sameJson,
} from './authorization-details';

const type: AuthorizationDetailType = { validate: () => undefined, describe: () => 'x' };
const config = {
  authorizationDetailsTypes: {
    payment: type,
    accounts: {
      ...type,
      reusable: true,
      narrows: (requested, granted) =>
        (requested.ids as string[]).every((id) => (granted.ids as string[]).includes(id)),
    } satisfies AuthorizationDetailType,
  },
};
const anyClient = { authorizationDetailsTypes: null };

function errorOf(run: () => unknown): OAuthException {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthException);
    return error as OAuthException;
  }
  throw new Error('expected invalid_authorization_details');
}

describe('parseAuthorizationDetails', () => {
  it('returns undefined without the parameter and the array when it is well formed', () => {
    expect(parseAuthorizationDetails(undefined, config, anyClient)).toBeUndefined();
    expect(parseAuthorizationDetails('[{"type":"payment","a":1}]', config, anyClient)).toEqual([
      { type: 'payment', a: 1 },
    ]);
  });

  it.each([
    ['[{"type":"payment"}', /JSON array/],
    ['{}', /non-empty JSON array/],
    ['[{"type":"toString"}]', /unknown type/],
    ['[{"type":"payment","identifier":1}]', /identifier must be a string/],
    [`[{"type":"payment","x":${'['.repeat(20)}${']'.repeat(20)}}]`, /nested too deeply/],
    [`[{"type":"payment","x":"${'a'.repeat(8200)}"}]`, /too long/],
  ])('refuses %s', (raw, message) => {
    const error = errorOf(() => parseAuthorizationDetails(raw, config, anyClient));
    expect(error.error).toBe('invalid_authorization_details');
    expect(error.description).toMatch(message);
  });

  it("refuses a type outside the client's authorization_details_types", () => {
    const client = { authorizationDetailsTypes: ['accounts'] };
    expect(
      errorOf(() => parseAuthorizationDetails('[{"type":"payment"}]', config, client)).description,
    ).toMatch(/may not request/);
  });
});

describe('narrowing and remembered consent', () => {
  const payment = { type: 'payment', amount: '1.00', to: 'A' };
  const accounts = { type: 'accounts', ids: ['a', 'b'] };

  it('compares as JSON whatever the member order', () => {
    expect(sameJson({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: '1' })).toBe(false);
  });

  it('keeps the grant without a request, accepts equal or narrower details, refuses others', () => {
    expect(narrowAuthorizationDetails(undefined, [payment], config)).toEqual([payment]);
    const reordered = { to: 'A', amount: '1.00', type: 'payment' };
    expect(narrowAuthorizationDetails([reordered], [payment], config)).toEqual([reordered]);
    const fewer = { type: 'accounts', ids: ['b'] };
    expect(narrowAuthorizationDetails([fewer], [accounts], config)).toEqual([fewer]);
    for (const wider of [
      { ...payment, amount: '2.00' },
      { type: 'accounts', ids: ['c'] },
    ]) {
      expect(() => narrowAuthorizationDetails([wider], [payment, accounts], config)).toThrow(
        OAuthException,
      );
    }
    expect(() => narrowAuthorizationDetails([payment], null, config)).toThrow(OAuthException);
  });

  it('remembers reusable details only, and never covers a one-off detail', () => {
    expect(reusableDetails([payment, accounts], config)).toEqual([accounts]);
    expect(consentCoversDetails(undefined, null, config)).toBe(true);
    expect(consentCoversDetails([payment], [payment], config)).toBe(false);
    expect(consentCoversDetails([{ type: 'accounts', ids: ['a'] }], [accounts], config)).toBe(true);
    expect(consentCoversDetails([{ type: 'accounts', ids: ['z'] }], [accounts], config)).toBe(
      false,
    );
    expect(mergeDetails([accounts], [accounts, { type: 'accounts', ids: ['c'] }])).toEqual([
      accounts,
      { type: 'accounts', ids: ['c'] },
    ]);
  });
});
