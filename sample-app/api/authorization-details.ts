import type { AuthorizationDetail, AuthorizationDetailType } from '../oauth-server';
import type { UsersService } from '../users/users.service';
import { ACCOUNTS_BY_USERNAME } from './demo-accounts';
import { AMOUNT, CURRENCY, MAX_CREDITOR_LENGTH } from './payment-request';

/**
 * The bank's Rich Authorization Requests types (RFC 9396), declared in the module options
 * (`authorizationDetailsTypes`): what a third-party app may ask for beyond scopes, checked
 * before anything is stored and described on the consent page in the user's words.
 */

/** A payment the user approves once, e.g. 123.50 EUR to Merchant A. */
export interface PaymentInitiationDetail extends AuthorizationDetail {
  type: 'payment_initiation';
  instructedAmount: { currency: string; amount: string };
  creditorName: string;
  creditorAccount: { iban: string };
  remittanceInformationUnstructured?: string;
}

/** Read access to the accounts the user picked on the consent page. */
export interface AccountInformationDetail extends AuthorizationDetail {
  type: 'account_information';
  /** Account ids; the user picks them on the consent page (the request may leave them out). */
  accounts?: string[];
}

const IBAN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
const PAYMENT_MEMBERS = [
  'type',
  'instructedAmount',
  'creditorName',
  'creditorAccount',
  'remittanceInformationUnstructured',
];
const ACCOUNT_MEMBERS = ['type', 'accounts', 'actions'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `payment_initiation`: one-off (never remembered), the exact amount and creditor. */
export const paymentInitiation: AuthorizationDetailType = {
  validate(detail) {
    const extra = Object.keys(detail).find((member) => !PAYMENT_MEMBERS.includes(member));
    if (extra) return `unknown member ${extra}.`;
    const amount = detail.instructedAmount;
    if (!isObject(amount)) return 'instructedAmount { currency, amount } is required.';
    if (typeof amount.currency !== 'string' || !CURRENCY.test(amount.currency))
      return 'instructedAmount.currency must be three capital letters (ISO 4217).';
    if (
      typeof amount.amount !== 'string' ||
      !AMOUNT.test(amount.amount) ||
      !/[1-9]/.test(amount.amount)
    )
      return 'instructedAmount.amount must be a decimal string greater than zero, e.g. "123.50".';
    if (Object.keys(amount).length !== 2) return 'instructedAmount has only currency and amount.';
    const name = detail.creditorName;
    if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_CREDITOR_LENGTH)
      return `creditorName must be a non-empty string of at most ${MAX_CREDITOR_LENGTH} characters.`;
    const account = detail.creditorAccount;
    if (!isObject(account) || typeof account.iban !== 'string' || !IBAN.test(account.iban))
      return 'creditorAccount.iban must be an IBAN (capital letters and digits, no spaces).';
    if (Object.keys(account).length !== 1) return 'creditorAccount has only iban.';
    const remittance = detail.remittanceInformationUnstructured;
    if (remittance !== undefined && (typeof remittance !== 'string' || remittance.length > 140))
      return 'remittanceInformationUnstructured must be a string of at most 140 characters.';
    return undefined;
  },
  describe(detail) {
    const payment = detail as PaymentInitiationDetail;
    return `Pay ${payment.instructedAmount.amount} ${payment.instructedAmount.currency} to ${payment.creditorName} (IBAN ${payment.creditorAccount.iban})`;
  },
  reusable: false,
};

/**
 * `account_information`: reusable (remembered like scopes), the accounts picked by the user on
 * the consent page among their own.
 */
export function accountInformation(users: UsersService): AuthorizationDetailType {
  const accountsOf = async (userId: string | null) => {
    const user = userId ? await users.findUser(userId) : null;
    return user ? (ACCOUNTS_BY_USERNAME[user.username] ?? []) : [];
  };
  return {
    async validate(detail, { userId }) {
      const extra = Object.keys(detail).find((member) => !ACCOUNT_MEMBERS.includes(member));
      if (extra) return `unknown member ${extra}.`;
      const accounts = detail.accounts;
      if (accounts === undefined) return undefined;
      if (
        !Array.isArray(accounts) ||
        accounts.length > 20 ||
        accounts.some((id) => typeof id !== 'string' || id.length === 0 || id.length > 64)
      )
        return 'accounts must be a list of account ids.';
      // Once a user decides, only their own accounts can be granted.
      if (userId) {
        const own = (await accountsOf(userId)).map((account) => account.id);
        if (accounts.some((id) => !own.includes(id as string)))
          return 'accounts may only name your own accounts.';
      }
      return undefined;
    },
    describe(detail) {
      const accounts = (detail as AccountInformationDetail).accounts;
      return accounts?.length
        ? `Read the balances of these accounts: ${accounts.join(', ')}`
        : 'Read the balances of the accounts you choose:';
    },
    async choices(detail, { userId }) {
      const asked = (detail as AccountInformationDetail).accounts;
      return (await accountsOf(userId))
        .filter((account) => !asked?.length || asked.includes(account.id))
        .map((account) => ({
          value: account.id,
          label: `${account.name} (${account.iban})`,
          checked: !!asked?.includes(account.id),
        }));
    },
    choose(detail, values) {
      return { ...detail, accounts: values };
    },
    // The same account access asked again is covered by the remembered consent; fewer
    // accounts than granted are a narrowing.
    narrows(requested, granted) {
      const want = (requested as AccountInformationDetail).accounts;
      const have = (granted as AccountInformationDetail).accounts ?? [];
      return !!want?.length && want.every((id) => have.includes(id));
    },
    reusable: true,
  };
}
