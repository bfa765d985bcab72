import { Hono } from "hono";
import { getIncident, listIncidents, saveIncidentSettings, storedIncidentSettings } from "../incidents/store";
import { ApiError } from "../http/errors";
import { incidentSettingsInputSchema, settingsFrom } from "../incidents/settings";
import { limitOf, now, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

/**
 * The admin API's incidents: `GET /admin/incidents` (open first, then the latest resolved), one incident by id, and
 * the tenant's thresholds (`GET`/`PUT /admin/incidents/settings`; PUT changes the fields it names).
 */
export function incidentAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/incidents", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const incidents = await listIncidents(c.env.DB, tenant.id, limitOf(c, 50, 500));
    return c.json({
      tenant: tenant.id,
      open: incidents.filter((incident) => incident.status === "open").length,
      incidents,
    });
  });

  admin.get("/incidents/settings", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, settings: settingsFrom(await storedIncidentSettings(c.env.DB, tenant.id)) });
  });

  admin.put("/incidents/settings", validate("json", incidentSettingsInputSchema), tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const current = settingsFrom(await storedIncidentSettings(c.env.DB, tenant.id));
    const settings = { ...current, ...c.req.valid("json") };
    await saveIncidentSettings(c.env.DB, tenant.id, settings, now());
    return c.json({ tenant: tenant.id, settings });
  });

  admin.get("/incidents/:id", tenantScope(), async (c) => {
    const incident = await getIncident(c.env.DB, c.get("tenant").id, c.req.param("id"));
    if (!incident) throw new ApiError(404, "incident_not_found", "No such incident.");
    return c.json({ incident });
  });

  return admin;
}
