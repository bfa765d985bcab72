/**
 * Writes test/redaction/held-out/corpus.json: a held-out redaction corpus the detectors were not built from.
 * Positives come from @faker-js/faker (emails, phones, cards, IBANs across locales, in faker's own formats) and from
 * token formats as the providers document them; negatives are benign values from faker. Every value sits in a short
 * sentence. The corpus is seeded and deterministic, and records the faker version and the seed.
 *
 * Rule of the corpus: it is never edited to suit the detectors. Presentation variants (dots, Unicode spaces, a
 * zero-width joiner) are fixed below and applied to every value of a kind alike, whatever the detectors do with them.
 *
 * Run: npx tsx test/redaction/held-out/generate.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import {
  fakerDE,
  fakerEN_GB,
  fakerEN_IN,
  fakerEN_US,
  fakerES,
  fakerFR,
  fakerIT,
  fakerJA,
  fakerNL,
  fakerPL,
  fakerPT_BR,
  type Faker,
} from "@faker-js/faker";

/** The seed of every run; change it only with a note in BENCHMARKS.md, never to move a score. */
export const SEED = 19_2026;
const PER_LOCALE = 40;

const LOCALES: Record<string, Faker> = {
  en_US: fakerEN_US,
  en_GB: fakerEN_GB,
  en_IN: fakerEN_IN,
  de: fakerDE,
  fr: fakerFR,
  es: fakerES,
  it: fakerIT,
  nl: fakerNL,
  pl: fakerPL,
  pt_BR: fakerPT_BR,
  ja: fakerJA,
};

/** One held-out value in its sentence; `detector` is the detector that should find it, or null for a negative. */
interface Item {
  detector: "email" | "phone" | "payment_card" | "iban" | "us_ssn" | "secret" | null;
  source: string;
  value: string;
  text: string;
}

/** A path next to this file (the script runs in Node, so the URL is a file: URL). */
const here = (relative: string) => decodeURIComponent(new URL(relative, import.meta.url).pathname);

const items: Item[] = [];
/** Dates are drawn relative to a fixed day, so the file does not change with the day it is generated. */
const REF_DATE = "2026-01-01T00:00:00.000Z";
const f = fakerEN_US;

/** A short sentence around the value, drawn by faker from a few plain templates. */
function sentence(faker: Faker, value: string): string {
  const name = faker.person.firstName();
  return faker.helpers.arrayElement([
    `${name} wrote: ${value}, please update the record.`,
    `Contact details from ${name}: ${value}`,
    `${value} (given by ${name} on the call)`,
    `Note for the team - ${name} says it is ${value}. Thanks!`,
  ]);
}

const add = (faker: Faker, detector: Item["detector"], source: string, value: string) =>
  items.push({ detector, source, value, text: sentence(faker, value) });

/**
 * Ways people retype a grouped number: faker's own text, then its separators as dots, as no-break spaces, as thin
 * spaces, and with a zero-width joiner after every separator (pasted from a web page).
 */
const VARIANTS: [string, (value: string) => string][] = [
  ["as generated", (v) => v],
  ["dotted", (v) => v.replace(/[ -]/g, ".")],
  ["no-break spaces", (v) => v.replace(/[ -]/g, "\u00a0")],
  ["thin spaces", (v) => v.replace(/[ -]/g, "\u2009")],
  ["zero-width joiner", (v) => v.replace(/([ -])/g, "$1\u200d")],
];

/** Groups a compact number in fours (how cards and IBANs are printed), for values faker writes ungrouped. */
const inFours = (compact: string) => compact.replace(/(.{4})(?!$)/g, "$1 ");

const ISSUERS = ["american_express", "diners_club", "discover", "jcb", "mastercard", "visa"];
const IBAN_COUNTRIES = ["DE", "FR", "GB", "ES", "IT", "NL", "PL", "BE", "AT", "CH", "SE", "PT", "IE", "NO", "DK"];

// Token formats as the providers document them; bodies from faker.
const alnum = (length: number) => f.string.alphanumeric({ length, casing: "mixed" });
const b64url = (text: string) => Buffer.from(text).toString("base64url");
const TOKENS: [string, () => string][] = [
  [
    "GitLab personal access token (glpat- + 20)",
    () => `glpat-${f.string.fromCharacters("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789_-", 20)}`,
  ],
  ["GitLab deploy token (gldt- + 20)", () => `gldt-${alnum(20)}`],
  [
    "GitLab pipeline trigger token (glptt- + 40 hex)",
    () => `glptt-${f.string.hexadecimal({ length: 40, casing: "lower", prefix: "" })}`,
  ],
  ["Slack bot token xoxb-", () => `xoxb-${f.string.numeric(12)}-${f.string.numeric(13)}-${alnum(24)}`],
  [
    "Slack user token xoxp-",
    () =>
      `xoxp-${f.string.numeric(12)}-${f.string.numeric(12)}-${f.string.numeric(13)}-${f.string.hexadecimal({ length: 32, casing: "lower", prefix: "" })}`,
  ],
  ["AWS access key id AKIA", () => `AKIA${f.string.fromCharacters("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`],
  ["AWS temporary access key id ASIA", () => `ASIA${f.string.fromCharacters("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`],
  [
    "AWS secret access key in aws_secret_access_key=",
    () =>
      `aws_secret_access_key=${f.string.fromCharacters("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40)}`,
  ],
  [
    "AWS secret access key in AWS_SECRET_ACCESS_KEY: ",
    () =>
      `AWS_SECRET_ACCESS_KEY: ${f.string.fromCharacters("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40)}`,
  ],
  ["Stripe secret key sk_live_", () => `sk_live_${alnum(f.number.int({ min: 24, max: 99 }))}`],
  ["Stripe restricted key rk_live_", () => `rk_live_${alnum(f.number.int({ min: 24, max: 99 }))}`],
  ["GitHub personal access token ghp_", () => `ghp_${alnum(36)}`],
  ["GitHub fine-grained token github_pat_", () => `github_pat_${alnum(22)}_${alnum(59)}`],
  [
    "JWT (RFC 7519, HS256)",
    () =>
      `${b64url(JSON.stringify({ alg: f.helpers.arrayElement(["HS256", "RS256", "ES256"]), typ: "JWT" }))}.${b64url(
        JSON.stringify({
          sub: f.string.uuid(),
          name: f.person.fullName(),
          iat: f.number.int({ min: 1.6e9, max: 1.8e9 }),
        }),
      )}.${b64url(f.string.alphanumeric(32))}`,
  ],
  [
    "PEM private key block (RFC 7468)",
    () => {
      const label = f.helpers.arrayElement(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]);
      const body = Array.from({ length: 4 }, () =>
        f.string.fromCharacters("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 64),
      );
      return `-----BEGIN ${label}-----\n${body.join("\n")}\n-----END ${label}-----`;
    },
  ],
  ["password= assignment", () => `password=${f.internet.password({ length: f.number.int({ min: 10, max: 20 }) })}`],
  ["passwd: assignment", () => `passwd: ${f.internet.password({ length: f.number.int({ min: 10, max: 20 }) })}`],
  ["api_key= assignment", () => `api_key=${f.string.alphanumeric(32)}`],
  ["PASSWORD env line", () => `DB_PASSWORD="${f.internet.password({ length: 16 })}"`],
];
// Negatives: benign values from faker that look like one of the above.
const NEGATIVES: [string, () => string][] = [
  ["order id", () => `order #${f.string.numeric(8)}`],
  ["long order id", () => `order ${f.string.numeric(f.number.int({ min: 10, max: 16 }))}`],
  ["date", () => f.date.past({ years: 30 }).toISOString().slice(0, 10)],
  ["date and time", () => f.date.recent().toISOString()],
  ["price", () => `${f.finance.currencySymbol()}${f.commerce.price({ min: 1, max: 99999 })}`],
  ["UUID", () => f.string.uuid()],
  ["ISBN-13", () => f.commerce.isbn(13)],
  ["ISBN-10", () => f.commerce.isbn(10)],
  ["git SHA", () => f.git.commitSha()],
  ["short git SHA", () => f.git.commitSha({ length: 7 })],
  ["product code", () => f.helpers.replaceSymbols("SKU-####-####-##")],
  ["part number", () => f.helpers.replaceSymbols("PN ###-####-###")],
  ["account number", () => f.finance.accountNumber()],
  ["routing number", () => f.finance.routingNumber()],
  ["BIC", () => f.finance.bic()],
  ["IPv4 address", () => f.internet.ipv4()],
  ["IPv6 address", () => f.internet.ipv6()],
  ["version", () => f.system.semver()],
  ["zip code", () => f.location.zipCode()],
  ["amount", () => f.finance.amount({ min: 1000, max: 9999999, dec: 2 })],
  ["latitude and longitude", () => `${f.location.latitude()}, ${f.location.longitude()}`],
  ["bitcoin address", () => f.finance.bitcoinAddress()],
  ["MAC address", () => f.internet.mac()],
  ["username", () => f.internet.username()],
  ["URL", () => f.internet.url()],
  [
    "time span",
    () =>
      `${f.number.int({ min: 1, max: 23 })}:${String(f.number.int({ min: 0, max: 59 })).padStart(2, "0")}-${f.number.int({ min: 1, max: 23 })}:00`,
  ],
];
/** The corpus generate.ts writes: the same items for the same seed and faker version, on every run. */
export function heldOutCorpus() {
  items.length = 0;
  f.seed(SEED);
  f.setDefaultRefDate(REF_DATE);
  for (const [locale, faker] of Object.entries(LOCALES)) {
    faker.seed(SEED);
    faker.setDefaultRefDate(REF_DATE);
    for (let i = 0; i < PER_LOCALE; i++) {
      add(faker, "email", `faker ${locale} internet.email`, faker.internet.email());
      const style = faker.helpers.arrayElement(["human", "national", "international"] as const);
      add(faker, "phone", `faker ${locale} phone.number ${style}`, faker.phone.number({ style }));
    }
  }

  for (let i = 0; i < 60; i++) {
    for (const issuer of ISSUERS) {
      const card = f.finance.creditCardNumber({ issuer });
      const grouped = /[ -]/.test(card) ? card : inFours(card);
      const [how, write] = f.helpers.arrayElement(VARIANTS);
      add(f, "payment_card", `faker creditCardNumber ${issuer}, ${how}`, write(grouped));
      if (i % 3 === 0) add(f, "payment_card", `faker creditCardNumber ${issuer}, compact`, card.replace(/\D/g, ""));
    }
  }

  for (let i = 0; i < 30; i++) {
    for (const countryCode of IBAN_COUNTRIES) {
      const formatted = f.datatype.boolean();
      const iban = f.finance.iban({ formatted, countryCode });
      const [how, write] = formatted ? f.helpers.arrayElement(VARIANTS) : VARIANTS[0]!;
      add(f, "iban", `faker finance.iban ${countryCode}, ${formatted ? "formatted" : "compact"}, ${how}`, write(iban));
    }
  }

  // SSNs as the SSA documents them: area 001-899 except 666, group 01-99, serial 0001-9999.
  for (let i = 0; i < 300; i++) {
    const area = f.helpers.arrayElement([f.number.int({ min: 1, max: 665 }), f.number.int({ min: 667, max: 899 })]);
    const group = f.number.int({ min: 1, max: 99 });
    const serial = f.number.int({ min: 1, max: 9999 });
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const dashed = `${pad(area, 3)}-${pad(group, 2)}-${pad(serial, 4)}`;
    const [how, write] = f.helpers.arrayElement([...VARIANTS, ["spaced", (v: string) => v.replaceAll("-", " ")]]);
    add(f, "us_ssn", `SSA format (faker numbers), ${how}`, write(dashed));
  }

  for (let i = 0; i < 20; i++) for (const [source, make] of TOKENS) add(f, "secret", source, make());
  for (let i = 0; i < 60; i++) for (const [source, make] of NEGATIVES) add(f, null, `faker ${source}`, make());

  const fakerVersion = (
    JSON.parse(readFileSync(here("../../../node_modules/@faker-js/faker/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  const corpus = {
    generator: `@faker-js/faker@${fakerVersion}`,
    seed: SEED,
    script: "test/redaction/held-out/generate.ts",
    items,
  };
  return corpus;
}

/** The text of corpus.json. */
export const corpusText = (corpus: ReturnType<typeof heldOutCorpus>) => `${JSON.stringify(corpus, null, 2)}\n`;

// Written only when run as a script, not when the test imports heldOutCorpus.
if (process.argv[1]?.endsWith("generate.ts")) {
  const corpus = heldOutCorpus();
  writeFileSync(here("./corpus.json"), corpusText(corpus));
  console.log(`${corpus.items.length} items written`);
}
