import { Module } from '@nestjs/common';
import { PageResponder } from './page-response';

/** PageResponder, for the modules with pages (the app's own and the portal). */
@Module({ providers: [PageResponder], exports: [PageResponder] })
export class PageResponseModule {}
