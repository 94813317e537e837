export const BISTAND_CONFIG = Symbol('BISTAND_CONFIG');
