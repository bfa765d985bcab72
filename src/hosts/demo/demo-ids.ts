/** The namespaces of the built-in demo hosts. */
export const DEMO_HOST_IDS = ["serviceops", "payments", "crm"] as const;

/** One of the built-in demo hosts' namespaces. */
export type DemoHostId = (typeof DEMO_HOST_IDS)[number];

/** Whether `id` names a built-in demo host. */
export function isDemoHostId(id: string): id is DemoHostId {
  return (DEMO_HOST_IDS as readonly string[]).includes(id);
}
