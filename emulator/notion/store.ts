import type { EmulatorState } from "./state";

/** Where the emulator keeps its state between requests and restarts. */
export interface EmulatorStore {
  /** The saved state, or undefined when nothing was saved yet. */
  load(): Promise<EmulatorState | undefined>;
  /** Persists the state; called after every change, never concurrently by one emulator. */
  save(state: EmulatorState): Promise<void>;
}

/** A store that keeps the live state object in memory (tests, Workers); emulators sharing it share data. */
export function createMemoryStore(initial?: EmulatorState): EmulatorStore {
  let saved = initial;
  return {
    async load() {
      return saved;
    },
    async save(state) {
      saved = state;
    },
  };
}
