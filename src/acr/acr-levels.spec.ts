import { AcrLevels } from './acr-levels';

const levels = new AcrLevels({
  acr: {
    levels: ['low', 'substantial', 'high'],
    scopes: { 'payments:write': 'substantial', 'vault:open': 'high' },
    authorizationDetailsTypes: { payment_initiation: 'substantial', account_information: 'low' },
  },
});

describe('AcrLevels', () => {
  it.each([
    [['accounts:read'], undefined],
    [['accounts:read', 'payments:write'], 'substantial'],
    [['vault:open', 'payments:write'], 'high'],
  ])('scopes %p need %p (the strongest of their levels)', (scopes, level) => {
    expect(levels.required({ scopes })).toBe(level);
  });

  it('counts authorization details types like scopes, never an inherited member', () => {
    const details = (...types: string[]) => types.map((type) => ({ type }));
    expect(
      levels.required({ scopes: [], authorizationDetails: details('payment_initiation') }),
    ).toBe('substantial');
    expect(
      levels.required({
        scopes: ['vault:open'],
        authorizationDetails: details('account_information', 'payment_initiation'),
      }),
    ).toBe('high');
    expect(levels.required({ scopes: [], authorizationDetails: details('unknown') })).toBe(
      undefined,
    );
    expect(
      levels.required({ scopes: ['constructor'], authorizationDetails: details('toString') }),
    ).toBe(undefined);
  });

  it.each([
    ['low', 'substantial', false],
    ['substantial', 'substantial', true],
    ['high', 'substantial', true],
    [undefined, 'low', false],
    ['unknown', 'low', false],
    [undefined, undefined, true],
  ])('a sign-in at %p meets %p: %p', (acr, required, expected) => {
    expect(levels.satisfies(acr, required)).toBe(expected);
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['unknown', undefined],
    ['high substantial', 'substantial'],
    ['other high', 'high'],
  ])('acr_values %p asks for %p (the weakest declared level named)', (acrValues, level) => {
    expect(levels.requestedBy(acrValues)).toBe(level);
  });

  it('orders by the declared list', () => {
    expect(levels.stronger('high', 'low')).toBe('high');
    expect(levels.stronger(undefined, 'low')).toBe('low');
    expect(levels.stronger('substantial', undefined)).toBe('substantial');
  });
});
