/**
 * Content terms: finds a content policy's deny terms in the string values of JSON arguments (or results), excusing
 * any match that lies inside an allow term's match, and replaces them when the policy redacts. Plain terms match
 * case-insensitively; `/…/` terms are patterns, checked by compileCustomPattern so no text can make them slow.
 */
import { patternOf, type ContentSettings } from "../policy";
import { compileCustomPattern } from "../redaction";

/** What a redacted term becomes. */
export const CONTENT_REPLACEMENT = "[REDACTED:content]";

/** Where a deny term was found. */
export interface TermHit {
  /** JSONPath of the string, as redact() writes paths. */
  path: string;
  term: string;
}

interface Term {
  term: string;
  find(text: string, lower: string): [number, number][];
}

/** A content policy's terms, compiled once. */
export interface ContentMatcher {
  /** Deny-term matches in `value`'s strings, and a copy with them replaced (when asked). */
  scan(value: unknown, replace: boolean): { hits: TermHit[]; value: unknown };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const keyPath = (path: string, key: string) =>
  IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

function compileTerm(term: string): Term | null {
  const source = patternOf(term);
  if (source === null) {
    const needle = term.toLowerCase();
    return {
      term,
      find(_text, lower) {
        const spans: [number, number][] = [];
        for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length))
          spans.push([at, at + needle.length]);
        return spans;
      },
    };
  }
  const compiled = compileCustomPattern(source);
  // The policy row was refused at sync when a pattern is unsafe; a term that still fails is skipped, not run.
  if (!compiled.ok) return null;
  const { regex } = compiled.pattern;
  return {
    term,
    find(text) {
      const spans: [number, number][] = [];
      const scan = new RegExp(regex.source, regex.flags);
      for (let match = scan.exec(text); match; match = scan.exec(text)) {
        if (match[0].length === 0) scan.lastIndex++;
        else spans.push([match.index, match.index + match[0].length]);
      }
      return spans;
    },
  };
}

/** Compiles a content policy's deny and allow terms. */
export function contentMatcher(settings: ContentSettings): ContentMatcher {
  const deny = settings.deny.map(compileTerm).filter((term): term is Term => term !== null);
  const allow = settings.allow.map(compileTerm).filter((term): term is Term => term !== null);

  const matches = (text: string) => {
    const lower = text.toLowerCase();
    const excused = allow.flatMap((term) => term.find(text, lower));
    const found: { span: [number, number]; term: string }[] = [];
    for (const term of deny)
      for (const span of term.find(text, lower))
        if (!excused.some(([start, end]) => start <= span[0] && span[1] <= end)) found.push({ span, term: term.term });
    return found;
  };

  const replaced = (text: string, found: { span: [number, number] }[]) => {
    const spans = found.map((f) => f.span).sort((a, b) => a[0] - b[0]);
    let out = "";
    let at = 0;
    for (const [start, end] of spans) {
      if (end <= at) continue;
      out += text.slice(at, Math.max(at, start)) + CONTENT_REPLACEMENT;
      at = end;
    }
    return out + text.slice(at);
  };

  return {
    scan(value, replace) {
      const hits: TermHit[] = [];
      const walk = (node: unknown, path: string, depth: number): unknown => {
        if (typeof node === "string") {
          const found = matches(node);
          for (const term of new Set(found.map((f) => f.term))) hits.push({ path, term });
          return replace && found.length > 0 ? replaced(node, found) : node;
        }
        if (typeof node !== "object" || node === null || depth > 64) return node;
        if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}[${i}]`, depth + 1));
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(node))
          Object.defineProperty(out, key, {
            value: walk(item, keyPath(path, key), depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return out;
      };
      const scanned = walk(value, "$", 0);
      return { hits, value: replace ? scanned : value };
    },
  };
}
