import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { MeController } from './me.controller';
import { PaymentsController } from './payments.controller';

/**
 * The bank's demo resource APIs, protected by the authorization server's tokens:
 * GET /api/accounts (`accounts:read`), POST /api/payments (`payments:write`), GET /api/me (a
 * user's token). OAuthGuard needs the module's config, which OAuthModule provides globally
 * (`isGlobal: true` in app.module.ts).
 */
@Module({
  imports: [UsersModule],
  controllers: [AccountsController, PaymentsController, MeController],
  providers: [AccountsService],
})
export class ApiModule {}
