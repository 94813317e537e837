import { Global, Module } from '@nestjs/common';
import { Readiness } from './readiness';

/** The readiness registry, global so every module can register its checks. */
@Global()
@Module({ providers: [Readiness], exports: [Readiness] })
export class OpsModule {}
