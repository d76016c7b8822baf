/** An account as the Account Information API shows it. Amounts are decimal strings, never floats. */
export interface DemoAccount {
  id: string;
  iban: string;
  name: string;
  currency: string;
  balance: string;
}

/** The seeded users' accounts, by username (user ids are generated when the users are seeded). */
export const ACCOUNTS_BY_USERNAME: Readonly<Record<string, readonly DemoAccount[]>> = {
  alice: [
    {
      id: 'acc-alice-current',
      iban: 'NL91ABNA0417164300',
      name: 'Current account',
      currency: 'EUR',
      balance: '2450.10',
    },
    {
      id: 'acc-alice-savings',
      iban: 'NL20INGB0001234567',
      name: 'Savings account',
      currency: 'EUR',
      balance: '15000.00',
    },
  ],
  bob: [
    {
      id: 'acc-bob-current',
      iban: 'DE89370400440532013000',
      name: 'Current account',
      currency: 'EUR',
      balance: '312.45',
    },
  ],
};

/**
 * What a client sees with a token of its own (client_credentials): the bank's public demo
 * accounts, never a user's.
 */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    id: 'acc-demo-1',
    iban: 'GB29NWBK60161331926819',
    name: 'Demo current account',
    currency: 'GBP',
    balance: '1000.00',
  },
  {
    id: 'acc-demo-2',
    iban: 'FR1420041010050500013M02606',
    name: 'Demo savings account',
    currency: 'EUR',
    balance: '5000.00',
  },
];
