import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  AcceptAuthorizationDetails,
  AccessToken,
  AuthorizationDetails,
  InjectOAuthConfig,
  OAuthConfig,
  OAuthException,
  OAuthGuard,
  OAuthUser,
  Scopes,
  VerifiedAccessToken,
} from '../oauth-server';
import type { PaymentInitiationDetail } from './authorization-details';
import { parsePaymentRequest, PaymentRequest } from './payment-request';
import { Payment, PaymentsService } from './payments.service';

/**
 * Payment Initiation API. Two kinds of token may pay:
 * - one carrying `payment_initiation` authorization details (RFC 9396): the user approved that
 *   exact payment on the consent page, so the body must be that payment (amount, currency,
 *   creditor), and each approved payment is made once: the payment's row is keyed by the token's
 *   `jti` and the detail, unique in the database. Anything else is 403 `insufficient_scope`.
 * - one with the `payments:write` scope (a `userOnly` scope, so always a user's token): any
 *   payment, as before.
 */
@Controller('api/payments')
@UseGuards(OAuthGuard)
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    @InjectOAuthConfig() private readonly config: OAuthConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @Scopes('payments:write')
  @AcceptAuthorizationDetails('payment_initiation')
  async create(
    @Body() body: unknown,
    @OAuthUser() user: { id: string } | undefined,
    @AccessToken() token: VerifiedAccessToken,
    @AuthorizationDetails('payment_initiation') approved: PaymentInitiationDetail[],
  ): Promise<Payment> {
    const payment = parsePaymentRequest(body);
    // Unreachable with a userOnly scope; kept so a configuration change cannot pay from nobody.
    if (!user) throw this.refuse('A payment needs a token issued to a signed-in user.');
    if (approved.length === 0) {
      return (await this.payments.create(
        { ...payment, debtor: user.id, initiated_by: token.clientId },
        null,
      ))!;
    }
    const index = approved.findIndex((detail) => matches(detail, payment));
    if (index === -1)
      throw this.refuse('This token was approved for another payment (amount or creditor).');
    const detail = approved[index];
    const created = await this.payments.create(
      {
        amount: detail.instructedAmount.amount,
        currency: detail.instructedAmount.currency,
        creditor: detail.creditorName,
        creditor_iban: detail.creditorAccount.iban,
        debtor: user.id,
        initiated_by: token.clientId,
      },
      `${token.id}#${index}`,
    );
    if (!created) throw this.refuse('This approved payment was already made with this token.');
    return created;
  }

  /** RFC 6750 §3.1: 403 `insufficient_scope`, with the guard's Bearer challenge. */
  private refuse(description: string): OAuthException {
    return OAuthException.bearer(
      'insufficient_scope',
      description,
      403,
      this.config.resourceServer.realm,
    );
  }

  /** The payment's status: only its user, through the client that made it. */
  @Get(':id')
  @Scopes('payments:write')
  @AcceptAuthorizationDetails('payment_initiation')
  async status(
    @Param('id') id: string,
    @OAuthUser() user: { id: string } | undefined,
    @AccessToken() token: VerifiedAccessToken,
  ): Promise<Payment> {
    const payment = user ? await this.payments.find(id, user.id, token.clientId) : null;
    if (!payment) throw new OAuthException('not_found', 'No such payment for this token.', 404);
    return payment;
  }
}

/** The body is the approved payment: same amount (as a number of cents), currency and creditor. */
function matches(detail: PaymentInitiationDetail, payment: PaymentRequest): boolean {
  return (
    cents(detail.instructedAmount.amount) === cents(payment.amount) &&
    detail.instructedAmount.currency === payment.currency &&
    (payment.creditor === detail.creditorName || payment.creditor === detail.creditorAccount.iban)
  );
}

function cents(amount: string): number {
  const [units, decimals = ''] = amount.split('.');
  return Number(units) * 100 + Number(decimals.padEnd(2, '0'));
}
