import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccessToken, OAuthGuard, OAuthUser, Scopes, VerifiedAccessToken } from '../oauth-server';
import { parsePaymentRequest, PaymentRequest } from './payment-request';

/** What POST /api/payments answers. */
export interface Payment extends PaymentRequest {
  id: string;
  status: 'accepted';
  /** The paying user's id (the token's `sub`). */
  debtor: string;
  /** The client that initiated the payment for the user. */
  initiated_by: string;
}

/**
 * Payment Initiation API. `payments:write` is a `userOnly` scope, so only tokens issued to a
 * signed-in user carry it: a client cannot even obtain it with client_credentials. Nothing is
 * stored: the sample only shows how the route is protected.
 */
@Controller('api/payments')
@UseGuards(OAuthGuard)
export class PaymentsController {
  @Post()
  @HttpCode(201)
  @Scopes('payments:write')
  create(
    @Body() body: unknown,
    @OAuthUser() user: { id: string } | undefined,
    @AccessToken() token: VerifiedAccessToken,
  ): Payment {
    const payment = parsePaymentRequest(body);
    // Unreachable with a userOnly scope; kept so a configuration change cannot pay from nobody.
    if (!user) throw new Error('payments:write reached the handler without a user.');
    return {
      id: randomUUID(),
      status: 'accepted',
      ...payment,
      debtor: user.id,
      initiated_by: token.clientId,
    };
  }
}
