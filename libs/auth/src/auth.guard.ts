import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Actor } from './actor';
import { InvalidTokenError, JwtVerifier } from './jwt-verifier';

const PUBLIC_ROUTE = 'bistand:public';

/** Marks a route (health checks) as open without a token. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export type AuthenticatedRequest = Request & { actor?: Actor };

/** Every route needs `Authorization: Bearer <JWT>` unless marked @Public(); no or bad token is 401. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly verifier: JwtVerifier,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw new UnauthorizedException('A bearer token is required: Authorization: Bearer <JWT>');
    try {
      request.actor = this.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedException(`Invalid token: ${error.message}`);
      throw error;
    }
    return true;
  }
}

/** The verified caller of this request. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new UnauthorizedException('Not authenticated');
  return actor;
});
