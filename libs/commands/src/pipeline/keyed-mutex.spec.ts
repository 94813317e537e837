import { KeyedMutex, LockWaitTimeout } from './keyed-mutex';

describe('KeyedMutex', () => {
  it('lets one holder per key in, serves waiters in arrival order, and keeps keys independent', async () => {
    const mutex = new KeyedMutex();
    const far = Date.now() + 10_000;
    const order: string[] = [];
    const releaseFirst = await mutex.acquire('f1', far);
    const second = mutex.acquire('f1', far).then((release) => (order.push('second'), release));
    const third = mutex.acquire('f1', far).then((release) => (order.push('third'), release));
    const other = await mutex.acquire('f2', far);
    expect(mutex.waiting).toBe(2);
    order.push('first done');
    releaseFirst();
    releaseFirst(); // releasing twice must not let two waiters in
    (await second)();
    (await third)();
    other();
    expect(order).toEqual(['first done', 'second', 'third']);
    expect(mutex.heldKeys).toBe(0);
  });

  it('gives up at the deadline with LockWaitTimeout and leaves the queue as it was', async () => {
    const mutex = new KeyedMutex();
    const release = await mutex.acquire('f1', Date.now() + 10_000);
    await expect(mutex.acquire('f1', Date.now() + 20)).rejects.toBeInstanceOf(LockWaitTimeout);
    expect(mutex.waiting).toBe(0);
    release();
    expect(mutex.heldKeys).toBe(0);
    (await mutex.acquire('f1', Date.now() + 10))();
  });
});
