/**
 * The `secret` detector: credentials by shape. AWS access key ids (AKIA/ASIA + 16), GitHub tokens (ghp_/gho_/ghu_/
 * ghs_/ghr_ + 36, github_pat_), Slack tokens (xoxa/b/p/r/s-), Stripe keys (sk_/rk_ live/test), OpenAI and
 * Anthropic keys (sk-…, sk-ant-…; the body must mix upper case, lower case and digits), Google API keys (AIza +
 * 35), PEM private key blocks (to the END line, or to the end of the text when it is missing), and JWTs (three
 * base64url segments whose header decodes to a JSON object with a string `alg`).
 */
import type { Detector, Span } from "./types";

interface Shape {
  /** Literal text every match contains: the shape is skipped when none occurs. */
  prefixes: string[];
  regex: RegExp;
  /** Characters a token may go on with past the regex's bound (sticky, `*`): the match is extended over them. */
  tail?: RegExp;
  check?: (match: string) => boolean;
}

const TOKEN_CHARS = /[A-Za-z0-9_-]*/y;
const ALNUMS = /[A-Za-z0-9]*/y;

const mixed = (body: string) => /[A-Z]/.test(body) && /[a-z]/.test(body) && /\d/.test(body);

/** True when a base64url segment decodes to a JSON object with a string `alg` (a JWT header). */
function isJwtHeader(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(atob(segment.replaceAll("-", "+").replaceAll("_", "/")));
    return typeof header === "object" && header !== null && typeof (header as { alg?: unknown }).alg === "string";
  } catch {
    return false;
  }
}

const SHAPES: Shape[] = [
  { prefixes: ["AKIA", "ASIA"], regex: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  {
    prefixes: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    regex: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}/g,
    tail: ALNUMS,
  },
  { prefixes: ["github_pat_"], regex: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22}/g, tail: /\w*/y },
  { prefixes: ["xox"], regex: /(?<![A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{10}/g, tail: /[A-Za-z0-9-]*/y },
  { prefixes: ["k_live_", "k_test_"], regex: /(?<![A-Za-z0-9])[sr]k_(?:live|test)_[A-Za-z0-9]{16}/g, tail: ALNUMS },
  {
    prefixes: ["sk-"],
    regex: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20}/g,
    tail: TOKEN_CHARS,
    check: (match) => mixed(match.replace(/^sk-(?:ant-|proj-|svcacct-|admin-)?/, "")),
  },
  { prefixes: ["AIza"], regex: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  {
    prefixes: ["eyJ"],
    regex: /(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{2,4000}\.[A-Za-z0-9_-]{2,16000}\./g,
    tail: TOKEN_CHARS,
    check: (match) => isJwtHeader(match.slice(0, match.indexOf("."))),
  },
];

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,24}PRIVATE KEY-----/g;
const ANY_PREFIX = /AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|k_live_|k_test_|sk-|AIza|-----BEGIN|eyJ/;

/** A PEM block runs to the end of its END line; without one, to the end of the text (never leak the rest). */
function pemBlocks(text: string, spans: Span[]): void {
  PEM_BEGIN.lastIndex = 0;
  for (let match = PEM_BEGIN.exec(text); match; match = PEM_BEGIN.exec(text)) {
    const endLine = text.indexOf("-----END ", match.index + match[0].length);
    const close = endLine < 0 ? -1 : text.indexOf("-----", endLine + 9);
    const end = close < 0 ? text.length : close + 5;
    spans.push({ start: match.index, end });
    PEM_BEGIN.lastIndex = end;
  }
}

/** Finds credentials by the shapes listed above. */
export const secretDetector: Detector = {
  name: "secret",
  // A JWT's `eyJ` + 2 + `.` + 2 + `.` is the shortest shape.
  minLength: 9,
  mayMatch: (text) => ANY_PREFIX.test(text),
  find(text) {
    const spans: Span[] = [];
    if (text.includes("-----BEGIN")) pemBlocks(text, spans);
    for (const shape of SHAPES) {
      if (!shape.prefixes.some((prefix) => text.includes(prefix))) continue;
      shape.regex.lastIndex = 0;
      for (let match = shape.regex.exec(text); match; match = shape.regex.exec(text)) {
        let end = match.index + match[0].length;
        if (shape.tail) {
          shape.tail.lastIndex = end;
          shape.tail.test(text);
          end = shape.tail.lastIndex;
        }
        shape.regex.lastIndex = end;
        if (shape.check && !shape.check(text.slice(match.index, end))) continue;
        spans.push({ start: match.index, end });
      }
    }
    return spans;
  },
};
