import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { MeController } from './me.controller';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';
import { PaymentRecord } from './payment.entity';
import { TypeOrmModule } from '@nestjs/typeorm';

/**
 * The bank's demo resource APIs, protected by the authorization server's tokens:
 * GET /api/accounts (`accounts:read`, or an `account_information` authorization detail),
 * POST /api/payments (`payments:write`, or a `payment_initiation` detail: that payment, once),
 * GET /api/payments/:id (its status), GET /api/me (a user's token). OAuthGuard needs the module's config, which OAuthModule provides globally
 * (`isGlobal: true` in app.module.ts).
 */
@Module({
  imports: [UsersModule, TypeOrmModule.forFeature([PaymentRecord])],
  controllers: [AccountsController, PaymentsController, MeController],
  providers: [AccountsService, PaymentsService],
})
export class ApiModule {}
