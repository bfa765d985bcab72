import { describe, expect, it } from "vitest";
import { CORPUS_DETECTORS, piiCorpus, scoreRedactor } from "../../bench/fixtures/pii-corpus";
import { redact } from "../../src/redaction";

const corpus = piiCorpus({ count: 300, seed: 7 });
const scores = scoreRedactor(corpus, (item) => {
  const result = redact(item.payload);

  return JSON.stringify(result.value);
});

describe("the generated PII corpus", () => {
  it("plants valid values, near misses and look-alikes for every detector", () => {
    for (const detector of CORPUS_DETECTORS) {
      expect(scores[detector].valid).toBeGreaterThan(100);
      expect(scores[detector].negatives).toBeGreaterThan(100);
    }
  });

  it("plants cards, SSNs and phones disguised by Unicode spaces, invisible characters and fullwidth digits", () => {
    const planted = corpus.flatMap((item) => item.planted);
    for (const how of [/, U\+\w+ spaces$/, /, U\+\w+ between digits$/, /, fullwidth digits$/]) {
      const disguised = planted.filter((p) => how.test(p.variant));
      expect(disguised.filter((p) => p.shouldFind).length).toBeGreaterThan(20);
      expect(disguised.filter((p) => !p.shouldFind).length).toBeGreaterThan(10);
    }
  });

  for (const detector of CORPUS_DETECTORS) {
    it(`finds every valid ${detector} (recall 1.0)`, () => {
      expect(scores[detector].missed).toEqual([]);
      expect(scores[detector].found).toBe(scores[detector].valid);
    });

    it(`redacts no ${detector} near miss or look-alike`, () => {
      expect(scores[detector].wronglyRedacted).toEqual([]);
      expect(scores[detector].falsePositives).toBe(0);
    });
  }

  it("records each valid value under its own path and detector", () => {
    for (const item of corpus.slice(0, 50)) {
      const { redactions } = redact(item.payload);
      for (const plant of item.planted.filter((p) => p.shouldFind))
        expect(redactions).toContainEqual(expect.objectContaining({ path: plant.path, detector: plant.detector }));
    }
  });
});
