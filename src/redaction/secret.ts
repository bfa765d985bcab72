/**
 * The `secret` detector: credentials by shape. AWS access key ids (AKIA/ASIA + 16), GitHub tokens (ghp_/gho_/ghu_/
 * ghs_/ghr_ + 36, github_pat_), Slack tokens (xoxa/b/p/r/s-), Stripe keys (sk_/rk_ live/test), OpenAI and
 * Anthropic keys (sk-…, sk-ant-…; the body must mix upper case, lower case and digits), Google API keys (AIza +
 * 35), PEM private key blocks (to the END line, or to the end of the text when it is missing), and JWTs (three
 * base64url segments whose header decodes to a JSON object with a string `alg`), GitLab tokens (glpat-, gldt-, glrt-,
 * glptt-, … + 20 or more), and the value of a credential assignment (`password=…`, `passwd: …`, `api_key=…`,
 * `aws_secret_access_key = …`, `DB_PASSWORD="…"`): a key naming a password, secret, token or key, `=` or `:`, and a
 * value of at least 8 characters without spaces (NIST's least password length), which is redacted without its key.
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
  {
    // GitLab's documented token prefixes (personal, OAuth, deploy, runner, CI job, pipeline trigger, feed, incoming
    // mail, agent, SCIM, feature flag).
    prefixes: ["gl"],
    regex: /(?<![A-Za-z0-9_-])gl(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct)-[A-Za-z0-9_-]{20}/g,
    tail: /[A-Za-z0-9_.-]*/y,
  },
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

/**
 * A credential assignment: a key ending in a credential word, `=` or `:` (after an optional closing quote), an
 * optional opening quote, then the value (group 1). The word must end the key, so `password_hint` is not one; what
 * comes before the word (`DB_`, `aws_`) does not matter and is not scanned.
 */
const ASSIGNMENT =
  /(?:passw(?:or)?d|pwd|secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|token)["']?[ \t]{0,4}[:=][ \t]{0,4}["']?([^\s"'`]{8,400})/gi;
/** Sentence punctuation a value does not end with (`password=hunter2secret, thanks`). */
const TRAILING = /[.,;:!?)\]}>]+$/;

/** The values of credential assignments; a value that is itself a redaction marker is left alone. */
function assignments(text: string, spans: Span[]): void {
  ASSIGNMENT.lastIndex = 0;
  for (let match = ASSIGNMENT.exec(text); match; match = ASSIGNMENT.exec(text)) {
    const value = match[1]!.replace(TRAILING, "");
    if (value.length < 8 || value.startsWith("[REDACTED")) continue;
    const end = match.index + match[0].length;
    const start = end - match[1]!.length;
    spans.push({ start, end: start + value.length });
  }
}

const CREDENTIAL_WORD = /passw|pwd|secret|key|token/i;

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,24}PRIVATE KEY-----/g;
const ANY_PREFIX = /AKIA|ASIA|gh[pousr]_|github_pat_|gl[a-z]{1,5}-|xox[abprs]-|k_live_|k_test_|sk-|AIza|-----BEGIN|eyJ/;
/**
 * ANY_PREFIX or CREDENTIAL_WORD, in one regex so the prefilter scans a text once: the word's `i` flag is spelled out
 * as `[Pp][Aa]…`, so the prefixes stay case-sensitive.
 */
const ANY_PREFIX_OR_WORD = new RegExp(
  `${ANY_PREFIX.source}|${CREDENTIAL_WORD.source.replace(/[a-z]/g, (c) => `[${c.toUpperCase()}${c}]`)}`,
);

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
  mayMatch: (text) => ANY_PREFIX_OR_WORD.test(text),
  find(text) {
    const spans: Span[] = [];
    if (text.includes("-----BEGIN")) pemBlocks(text, spans);
    // An assignment needs its `=` or `:`, and every shape's regex needs one of ANY_PREFIX's prefixes: a text with a
    // credential word but neither (a product named `Doohickey`) is done after three cheap checks.
    if ((text.includes("=") || text.includes(":")) && CREDENTIAL_WORD.test(text)) assignments(text, spans);
    if (!ANY_PREFIX.test(text)) return spans;
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
