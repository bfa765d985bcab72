import { describe, expect, it } from "vitest";
import {
  consistencyProof,
  EMPTY_ROOT,
  entryLeafHash,
  inclusionProof,
  leafHash,
  nodeHash,
  toBase64,
  toHex,
  treeRoot,
  type Hash,
  type NodeSource,
} from "../../src/ledger/merkle";

const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const b64 = (hashes: Hash[]) => hashes.map(toBase64);

/** RFC 6962's reference leaves, as transparency-dev/merkle's testonly.LeafInputs() has them. */
const REFERENCE_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(hex);

/** The roots of the trees of 0..8 reference leaves (testonly.RootHashes()). */
const REFERENCE_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/** The happy-path inclusion probes of transparency-dev/merkle's testdata/inclusion/{0..4}. */
const INCLUSION_VECTORS = [
  { leafIdx: 0, treeSize: 1, proof: [] },
  {
    leafIdx: 0,
    treeSize: 8,
    proof: [
      "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
      "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
      "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
    ],
  },
  {
    leafIdx: 5,
    treeSize: 8,
    proof: [
      "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
      "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
      "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
    ],
  },
  { leafIdx: 2, treeSize: 3, proof: ["+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="] },
  {
    leafIdx: 1,
    treeSize: 5,
    proof: [
      "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
      "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
      "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
    ],
  },
];

/** The happy-path consistency probes of transparency-dev/merkle's testdata/consistency/{0..4}. */
const CONSISTENCY_VECTORS = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
      "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
      "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
      "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
      "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ["Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=", "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
      "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
      "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
    ],
  },
];

// A naive reading of RFC 6962 §2.1, recursion for recursion, over the leaf hashes themselves.
const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
function mth(leaves: Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m: number, leaves: Hash[]): Hash[] {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m: number, leaves: Hash[], whole: boolean): Hash[] {
  const n = leaves.length;
  if (m === n) return whole ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), whole), mth(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

/** A node source over leaf hashes held in memory: each perfect subtree hashed naively. */
const nodesOf =
  (leaves: Hash[]): NodeSource =>
  (level, index) =>
    mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));

const referenceNodes = nodesOf(REFERENCE_LEAVES.map(leafHash));

describe("the Merkle tree against RFC 6962's published vectors", () => {
  it("gives the reference root for every size from 0 to 8", () => {
    for (let size = 0; size <= 8; size++) expect(toHex(treeRoot(referenceNodes, size))).toBe(REFERENCE_ROOTS[size]);
  });

  it("gives the reference inclusion proofs", () => {
    for (const v of INCLUSION_VECTORS)
      expect(b64(inclusionProof(referenceNodes, v.leafIdx, v.treeSize))).toEqual(v.proof);
  });

  it("gives the reference consistency proofs", () => {
    for (const v of CONSISTENCY_VECTORS)
      expect(b64(consistencyProof(referenceNodes, v.size1, v.size2))).toEqual(v.proof);
  });
});

describe("the Merkle tree against a naive recursive reading of RFC 6962, for every size from 1 to 64", () => {
  const leaves = Array.from({ length: 64 }, (_, i) => leafHash(new Uint8Array([i, i * 7, 255 - i])));
  const nodes = nodesOf(leaves);

  it("has the same root", () => {
    for (let n = 1; n <= 64; n++) expect(toHex(treeRoot(nodes, n))).toBe(toHex(mth(leaves.slice(0, n))));
  });

  it("has the same audit path for every leaf", () => {
    for (let n = 1; n <= 64; n++)
      for (let m = 0; m < n; m++)
        expect(b64(inclusionProof(nodes, m, n)), `leaf ${m} of ${n}`).toEqual(b64(path(m, leaves.slice(0, n))));
  });

  it("has the same consistency proof for every pair of sizes", () => {
    for (let n = 1; n <= 64; n++)
      for (let m = 1; m <= n; m++)
        expect(b64(consistencyProof(nodes, m, n)), `${m} to ${n}`).toEqual(
          b64(m === n ? [] : subproof(m, leaves.slice(0, n), true)),
        );
  });
});

describe("proof requests out of range", () => {
  it("refuses a leaf outside the tree and a shrinking consistency proof", () => {
    expect(() => inclusionProof(referenceNodes, 8, 8)).toThrow(RangeError);
    expect(() => inclusionProof(referenceNodes, 0, 0)).toThrow(RangeError);
    expect(() => consistencyProof(referenceNodes, 5, 4)).toThrow(RangeError);
  });

  it("proves any tree extends the empty one with no nodes", () => {
    expect(consistencyProof(referenceNodes, 0, 8)).toEqual([]);
  });
});

describe("a ledger entry's leaf", () => {
  it("hashes 0x00 and the 32 raw bytes of the entry's hex hash", () => {
    const entryHash = "a76cbfae21b2d6276d75040cc5e109faad55dcbfa5b8efda4a1e7f12e5b031f3";
    expect(toHex(entryLeafHash(entryHash))).toBe(toHex(leafHash(hex(entryHash))));
    expect(entryLeafHash(entryHash)).toHaveLength(32);
  });

  it("reads hex digits of either case, and any other text exactly as Buffer.from reads it", () => {
    const entryHash = "a76cbfae21b2d6276d75040cc5e109faad55dcbfa5b8efda4a1e7f12e5b031f3";
    expect(toHex(entryLeafHash(entryHash.toUpperCase()))).toBe(toHex(entryLeafHash(entryHash)));
    const malformed = [
      `${entryHash.slice(0, 10)}g${entryHash.slice(11)}`,
      `${entryHash.slice(0, 63)}\u0146`,
      `${entryHash}00`,
      entryHash.slice(2),
      "",
    ];
    for (const text of malformed) expect(toHex(entryLeafHash(text)), text).toBe(toHex(leafHash(hex(text))));
  });
});
