import { isLocal, secretsOf, type Env } from "../env";
import { createHostRegistry, type HostRegistry } from "./registry";

/** The host registry over the Worker's bindings: its D1, its secrets, private upstreams only under local dev. */
export function hostRegistryFor(env: Env): HostRegistry {
  return createHostRegistry({ db: env.DB, secrets: secretsOf(env), allowPrivateUpstreams: isLocal(env) });
}
