/** The sample customers every tenant's demo hosts start with. */
export const SAMPLE_CUSTOMERS = [
  { id: "cus_001", name: "Acme Corp", email: "billing@acme.example", refundable_cents: 50_000 },
  { id: "cus_002", name: "Globex Ltd", email: "ap@globex.example", refundable_cents: 120_000 },
  { id: "cus_003", name: "Initech", email: "finance@initech.example", refundable_cents: 5_000 },
] as const;

/** The sample technicians of ServiceOps. */
export const SAMPLE_TECHNICIANS = [
  { id: "tech_001", name: "Dana Reyes", region: "north", skills: ["hvac", "electrical"] },
  { id: "tech_002", name: "Sam Okafor", region: "south", skills: ["plumbing"] },
  { id: "tech_003", name: "Lee Chen", region: "north", skills: ["plumbing", "hvac"] },
] as const;

/** The sample contacts of the CRM. */
export const SAMPLE_CONTACTS = [
  { id: "con_001", name: "Maria Lopez", email: "maria@acme.example", phone: "+1 555 0101", notes: "Prefers email." },
  { id: "con_002", name: "Tom Becker", email: "tom@globex.example", phone: "+1 555 0102", notes: "" },
  { id: "con_003", name: "Priya Nair", email: "priya@initech.example", phone: null, notes: "Decision maker." },
] as const;
