import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { JwtConfig } from '@bistand/config';
import { AuthGuard } from './auth.guard';
import { JwtVerifier } from './jwt-verifier';

/** Installs the JWT guard on every route. */
@Module({})
export class AuthModule {
  static forRoot(config: JwtConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [{ provide: JwtVerifier, useValue: new JwtVerifier(config) }, { provide: APP_GUARD, useClass: AuthGuard }],
      exports: [JwtVerifier],
    };
  }
}
