/** A wait for a lock that did not end in time. */
export class LockWaitTimeout extends Error {}

/**
 * In-process mutual exclusion per key, waiters served in arrival order, each wait bounded by a
 * deadline. It sits in front of the database's advisory locks so that a process sends at most one
 * waiter per key to PostgreSQL: the rest wait here, holding no connection.
 */
export class KeyedMutex {
  /** A key is held while it is in the map; its array holds the waiters, oldest first. */
  private readonly held = new Map<string, Array<() => void>>();

  get heldKeys(): number {
    return this.held.size;
  }

  get waiting(): number {
    let count = 0;
    for (const queue of this.held.values()) count += queue.length;
    return count;
  }

  /** Resolves with the release function once `key` is ours; rejects with LockWaitTimeout at `deadline` (epoch ms). */
  acquire(key: string, deadline: number): Promise<() => void> {
    const release = once(() => this.release(key));
    const queue = this.held.get(key);
    if (!queue) {
      this.held.set(key, []);
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(new LockWaitTimeout(`waited too long for ${key}`));
      }, Math.max(0, deadline - Date.now()));
      queue.push(waiter);
    });
  }

  private release(key: string): void {
    const queue = this.held.get(key);
    const next = queue?.shift();
    if (next) next();
    else this.held.delete(key);
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
