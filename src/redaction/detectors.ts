/** The built-in detectors by name, and the detector list one set of options asks for. */
import { customDetector } from "./custom-pattern";
import { emailDetector } from "./email";
import { ibanDetector } from "./iban";
import { cardDetector } from "./payment-card";
import { phoneDetector } from "./phone";
import { secretDetector } from "./secret";
import { DETECTOR_NAMES, type Detector, type DetectorName, type RedactOptions } from "./types";
import { ssnDetector } from "./us-ssn";

/** Every built-in detector, by name. */
export const DETECTORS: Readonly<Record<DetectorName, Detector>> = {
  secret: secretDetector,
  iban: ibanDetector,
  payment_card: cardDetector,
  us_ssn: ssnDetector,
  email: emailDetector,
  phone: phoneDetector,
};

/** Every built-in detector in priority order: the list most calls run, one array so redact() can know it again. */
export const DEFAULT_DETECTORS: readonly Detector[] = DETECTOR_NAMES.map((name) => DETECTORS[name]);

/** The detectors to run, in priority order (built-ins as in DETECTOR_NAMES, then custom patterns). */
export function detectorsFor(options: RedactOptions): readonly Detector[] {
  if (options.detectors === undefined && !options.custom?.length) return DEFAULT_DETECTORS;
  const wanted = new Set<string>(options.detectors ?? DETECTOR_NAMES);
  return [
    ...DETECTOR_NAMES.filter((name) => wanted.has(name)).map((name) => DETECTORS[name]),
    ...(options.custom ?? []).map(customDetector),
  ];
}
