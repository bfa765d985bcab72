import { stringify } from "yaml";

/**
 * A YAML document of `value` under a header comment, keys in the order the renderer built them (so a contract reads
 * top-down), no line folding and no anchors: the same value gives the same bytes. Renderers pass objects taken
 * from the state through `withSortedKeys` (state.ts), so the order rows were read in never shows.
 */
export function yamlText(header: string, value: unknown): string {
  const body = stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  return `# ${header}\n${body}`;
}
