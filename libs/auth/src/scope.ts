import type { Actor } from './actor';

/**
 * Who may do what (PRODUCT.md §6). Pure functions of the caller and the resource's home
 * municipality and region; the HTTP layer turns a "no" into 403 for commands and 404 for reads.
 */
export interface RequestScope {
  municipality: string;
  region: string;
}

/** File, withdraw, accept, refuse: the municipality's own requests. */
export function mayActAsMunicipality(actor: Actor, municipality: string): boolean {
  return actor.role === 'municipality' && actor.municipalities.includes(municipality);
}

/** Offer, declare no offer, place: coordinators of the request's home region. */
export function mayCoordinate(actor: Actor, request: RequestScope): boolean {
  return actor.role === 'coordinator' && actor.region === request.region;
}

/** End a placement: the home municipality or the coordinator of the home region. */
export function mayEndPlacement(actor: Actor, request: RequestScope): boolean {
  return mayActAsMunicipality(actor, request.municipality) || mayCoordinate(actor, request);
}

/** Register and change facilities: coordinators of the facility's region, and admins anywhere. */
export function mayManageFacility(actor: Actor, facilityRegion: string): boolean {
  return actor.role === 'admin' || (actor.role === 'coordinator' && actor.region === facilityRegion);
}

/**
 * See a facility's name and location: coordinators and admins only. Emergency foster homes and
 * foster homes are families' private homes (PRODUCT.md §1).
 */
export function maySeeFacilityIdentity(actor: Actor): boolean {
  return actor.role === 'coordinator' || actor.role === 'admin';
}

/** Read facility matches for a request: coordinators, admins, and auditors (without names); never municipalities. */
export function mayReadMatches(actor: Actor): boolean {
  return actor.role !== 'municipality';
}

/** Read a request, its events and breaches. */
export function mayReadRequest(actor: Actor, request: RequestScope): boolean {
  switch (actor.role) {
    case 'auditor':
    case 'admin':
      return true;
    case 'municipality':
      return actor.municipalities.includes(request.municipality);
    case 'coordinator':
      return actor.region === request.region;
    default: {
      const unknown: never = actor.role;
      return unknown;
    }
  }
}
