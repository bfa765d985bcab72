import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { EmulatorState, EmulatorStore } from "../notion";

/** A store that writes the whole state to one JSON file on every change (temp file, then atomic rename). */
export function createJsonFileStore(path: string): EmulatorStore {
  let writes: Promise<void> = Promise.resolve();
  return {
    async load() {
      try {
        return JSON.parse(await readFile(path, "utf8")) as EmulatorState;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    save(state) {
      const text = JSON.stringify(state);
      const write = writes.then(async () => {
        await mkdir(dirname(path), { recursive: true });
        const temp = `${path}.${process.pid}.tmp`;
        await writeFile(temp, text);
        await rename(temp, path);
      });
      writes = write.catch(() => undefined);
      return write;
    },
  };
}
