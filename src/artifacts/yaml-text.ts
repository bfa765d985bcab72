import { stringify } from "yaml";
import { withSortedKeys } from "./state";

/** A YAML document of `value` with sorted keys, no line folding and a header comment: same value, same bytes. */
export function yamlText(header: string, value: unknown): string {
  const body = stringify(withSortedKeys(value), { lineWidth: 0, sortMapEntries: true, aliasDuplicateObjects: false });
  return `# ${header}\n${body}`;
}
