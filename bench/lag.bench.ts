import { benchPostgres } from './support/bench-postgres';
import { percentile, startBenchApp } from './support/bench-app';

const TARGET_P99_MS = 100;

/**
 * `npm run bench -- lag [--commands N]`: how long after a command's answer its breach or capacity
 * row is visible (the read models have committed its position). Commands alternate between a
 * declaration of no offer (a breach row) and an offer (a capacity row).
 */
export async function main(args: string[]): Promise<void> {
  const countArg = args.indexOf('--commands');
  const commands = countArg >= 0 ? Number(args[countArg + 1]) : 400;
  const postgres = await benchPostgres();
  const bench = await startBenchApp(postgres.url);
  try {
    console.log(`lag benchmark on ${postgres.description}: ${commands} commands`);
    const municipality = bench.token({ role: 'municipality', municipalities: ['5501'], sub: 'bench-tromso' });
    const coordinator = bench.token({ role: 'coordinator', region: 'nord', sub: 'bench-nord' });
    const post = async (path: string, token: string, body: object) => {
      const response = await fetch(`${bench.baseUrl}${path}`, { method: 'POST', headers: { authorization: token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string; position: string };
    };
    const facility = await post('/v1/facilities', coordinator, {
      name: 'Bench institution',
      kind: 'institution',
      region: 'nord',
      municipality: '5501',
      location: { lat: 69.65, lon: 18.96 },
      places: 500,
      targetGroups: ['behaviour'],
    });
    const requestBody = { municipality: '5501', childRef: 'bench', birthYear: 2012, urgency: 'planned', placementKind: 'institution', targetGroup: 'behaviour', neededBy: '2030-01-01', legalBasis: 'bvl. § 4-2', childHeard: true };
    const lags: number[] = [];
    for (let i = 0; i < commands; i++) {
      const request = await post('/v1/placement-requests', municipality, requestBody);
      const answer =
        i % 2 === 0
          ? await post(`/v1/placement-requests/${request.id}/no-offer`, coordinator, { reason: 'bench' })
          : await post(`/v1/placement-requests/${request.id}/offers`, coordinator, { facilityId: facility.id, startDate: '2030-01-01' });
      const answeredAt = performance.now();
      if (!(await bench.projector.waitFor(BigInt(answer.position), 5_000))) throw new Error('read models did not catch up within 5 s');
      lags.push(performance.now() - answeredAt);
    }
    const p50 = percentile(lags, 50);
    const p99 = percentile(lags, 99);
    console.log(`answer → visible: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...lags).toFixed(1)} ms`);
    console.log(`p99 ${p99 < TARGET_P99_MS ? 'PASS' : 'MISS'} (target < ${TARGET_P99_MS} ms)`);
  } finally {
    await bench.close();
    await postgres.stop();
  }
}
