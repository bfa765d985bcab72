import { Hono } from "hono";
import { ARTIFACTS, ARTIFACT_NAMES, gatherArtifactState, isArtifactName } from "../artifacts";
import { ApiError } from "../http/errors";
import type { AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";

/** The admin API's operating artifacts: `GET /artifacts` names them, `GET /artifacts/<name>` renders one. */
export function artifactAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/artifacts", tenantScope(), (c) => c.json({ tenant: c.get("tenant").id, artifacts: ARTIFACT_NAMES }));
  admin.get("/artifacts/:name", tenantScope(), async (c) => {
    const name = c.req.param("name");
    if (!isArtifactName(name))
      throw new ApiError(
        404,
        "artifact_not_found",
        `No artifact "${name.slice(0, 60)}"; ask for one of ${ARTIFACT_NAMES.join(", ")}.`,
        { artifacts: ARTIFACT_NAMES },
      );
    const artifact = ARTIFACTS[name];
    const body = artifact.render(await gatherArtifactState(c.env, c.get("tenant")));
    return c.body(body, 200, { "content-type": artifact.type });
  });

  return admin;
}
