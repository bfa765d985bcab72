import { crmHost } from "./crm";
import type { DemoHostId } from "./demo-ids";
import type { DemoHostDefinition } from "./demo-tool";
import { paymentsHost } from "./payments";
import { serviceOpsHost } from "./serviceops";

/** Every built-in demo host. */
export const DEMO_HOSTS: readonly DemoHostDefinition[] = [serviceOpsHost, paymentsHost, crmHost];

/** The demo host with this namespace. */
export function demoHostDefinition(id: DemoHostId): DemoHostDefinition {
  const definition = DEMO_HOSTS.find((d) => d.id === id);
  if (!definition) throw new Error(`demo host ${id} is not defined`);
  return definition;
}
