import { Module } from '@nestjs/common';
import { PageResponseModule } from '../pages/page-response.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { PortalController } from './portal.controller';

/**
 * The developer portal (/developers): register and manage applications, withdraw access.
 * ClientService, ConsentService and TokenRevocationService come from OAuthModule, which the
 * sample registers globally (`isGlobal: true` in app.module.ts).
 */
@Module({
  imports: [SessionModule, UsersModule, PageResponseModule],
  controllers: [PortalController],
})
export class PortalModule {}
