/** Runs `writers` loops of `appendOne` for `seconds` after a warm-up and returns events per second. */
export async function measureAppends(
  writers: number,
  seconds: number,
  appendOne: (writer: number, n: number) => Promise<number>,
): Promise<{ events: number; seconds: number; perSecond: number }> {
  const run = async (durationMs: number) => {
    const until = Date.now() + durationMs;
    let events = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let n = 0; Date.now() < until; n++) {
          const written = await appendOne(writer, n); // not `events += await …`: that reads `events` before awaiting
          events += written;
        }
      }),
    );
    return events;
  };
  await run(Math.min(1_000, seconds * 200));
  const started = process.hrtime.bigint();
  const events = await run(seconds * 1_000);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { events, seconds: elapsed, perSecond: events / elapsed };
}
