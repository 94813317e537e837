import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { cursorSigningKey, type JwtConfig } from '@bistand/config';
import { CursorSigner } from '@bistand/http/cursor-signer';
import { AuthGuard } from './auth.guard';
import { JwtVerifier } from './jwt-verifier';

/**
 * Installs the JWT guard on every route. It also holds the one other secret derived from the token
 * key, the signer of list cursors, which is global so every list controller can use it.
 */
@Module({})
export class AuthModule {
  static forRoot(config: JwtConfig): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: JwtVerifier, useValue: new JwtVerifier(config) },
        { provide: CursorSigner, useValue: new CursorSigner(cursorSigningKey(config)) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [JwtVerifier, CursorSigner],
    };
  }
}
