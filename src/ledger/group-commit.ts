/**
 * Gathers items from concurrent callers and writes them together on the next macrotask, so a burst of appends
 * shares one storage commit instead of paying one each.
 *
 * @example const commits = new GroupCommit<Row>((rows) => insertAll(rows)); await commits.add([row]);
 */
export class GroupCommit<T> {
  readonly #write: (batch: T[]) => void;
  #pending: T[] = [];
  #written: Promise<void> | null = null;

  /** `write` stores one batch synchronously and throws if it could not. */
  constructor(write: (batch: T[]) => void) {
    this.#write = write;
  }

  /** Queues `items`; resolves once the batch holding them is written, or rejects with the write's error. */
  add(items: readonly T[]): Promise<void> {
    this.#pending.push(...items);
    this.#written ??= new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        const batch = this.#pending;
        this.#pending = [];
        this.#written = null;
        try {
          this.#write(batch);
          resolve();
        } catch (error) {
          reject(error);
        }
      }, 0);
    });
    return this.#written;
  }
}
