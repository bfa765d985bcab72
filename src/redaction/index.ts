/** The PII redaction engine's public API: redact JSON values and strings, compile custom patterns. */
export { redact, DEFAULT_MAX_DEPTH } from "./redact";
export { redactText, DEFAULT_MAX_CHARS } from "./text";
export { compileCustomPattern, MAX_CUSTOM_PATTERN_LENGTH } from "./custom-pattern";
export type { CustomPatternResult } from "./custom-pattern";
export { DETECTORS } from "./detectors";
export { DETECTOR_NAMES } from "./types";
export type {
  CustomPattern,
  Detector,
  DetectorName,
  NamedPattern,
  Redaction,
  RedactOptions,
  RedactResult,
  RedactTextResult,
  Span,
  TextFacts,
} from "./types";
