import type { Actor } from './actor';
import { mayActAsMunicipality, mayCoordinate, mayEndPlacement, mayManageFacility, mayReadMatches, mayReadRequest, maySeeFacilityIdentity } from './scope';

const oslo = { municipality: '0301', region: 'oslo' };
const tromso = { municipality: '5501', region: 'nord' };
const osloMunicipality: Actor = { sub: 'm', role: 'municipality', municipalities: ['0301'] };
const nordCoordinator: Actor = { sub: 'c', role: 'coordinator', municipalities: [], region: 'nord' };
const auditor: Actor = { sub: 'a', role: 'auditor', municipalities: [] };
const admin: Actor = { sub: 'x', role: 'admin', municipalities: [] };

describe('scopes', () => {
  it('lets a municipality act only for its own municipalities', () => {
    expect(mayActAsMunicipality(osloMunicipality, '0301')).toBe(true);
    expect(mayActAsMunicipality(osloMunicipality, '5501')).toBe(false);
    expect(mayActAsMunicipality(nordCoordinator, '5501')).toBe(false);
  });

  it('lets a coordinator coordinate only requests whose home region is its region', () => {
    expect(mayCoordinate(nordCoordinator, tromso)).toBe(true);
    expect(mayCoordinate(nordCoordinator, oslo)).toBe(false);
    expect(mayCoordinate(admin, tromso)).toBe(false);
  });

  it('lets the home municipality or the home region coordinator end a placement', () => {
    expect(mayEndPlacement(osloMunicipality, oslo)).toBe(true);
    expect(mayEndPlacement(nordCoordinator, tromso)).toBe(true);
    expect(mayEndPlacement(nordCoordinator, oslo)).toBe(false);
    expect(mayEndPlacement(auditor, oslo)).toBe(false);
  });

  it('lets coordinators manage facilities of their region and admins any', () => {
    expect(mayManageFacility(nordCoordinator, 'nord')).toBe(true);
    expect(mayManageFacility(nordCoordinator, 'vest')).toBe(false);
    expect(mayManageFacility(admin, 'vest')).toBe(true);
    expect(mayManageFacility(auditor, 'vest')).toBe(false);
    expect(mayManageFacility(osloMunicipality, 'oslo')).toBe(false);
  });

  it('lets auditors and admins read every request, others only their own scope', () => {
    expect(mayReadRequest(auditor, tromso)).toBe(true);
    expect(mayReadRequest(admin, oslo)).toBe(true);
    expect(mayReadRequest(osloMunicipality, tromso)).toBe(false);
    expect(mayReadRequest(nordCoordinator, oslo)).toBe(false);
    expect(mayReadRequest(nordCoordinator, tromso)).toBe(true);
  });

  it("shows a facility's name and location only to coordinators and admins (a foster home is a family's home)", () => {
    expect(maySeeFacilityIdentity(nordCoordinator)).toBe(true);
    expect(maySeeFacilityIdentity(admin)).toBe(true);
    expect(maySeeFacilityIdentity(auditor)).toBe(false);
    expect(maySeeFacilityIdentity(osloMunicipality)).toBe(false);
  });

  it('lets everyone but municipalities read facility matches', () => {
    expect(mayReadMatches(nordCoordinator)).toBe(true);
    expect(mayReadMatches(admin)).toBe(true);
    expect(mayReadMatches(auditor)).toBe(true);
    expect(mayReadMatches(osloMunicipality)).toBe(false);
  });
});
