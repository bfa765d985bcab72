import { describe, expect, it } from "vitest";
import { admin, newTenant } from "../support/worker";

describe("notification channels in the admin API", () => {
  it("creates, lists and deletes a tenant's channels, showing secrets by name only", async () => {
    const { tenant } = await newTenant();
    const webhook = await admin("POST", "/channels", {
      tenant,
      name: "ops-hook",
      kind: "webhook",
      url: "https://ops.example.test/hook",
      secret: "OPS_HOOK_SECRET",
      default: true,
    });
    const slack = await admin("POST", `/channels?tenant=${tenant}`, {
      name: "finance",
      kind: "slack",
      url_secret: "FINANCE_SLACK_URL",
    });
    const notion = await admin("POST", `/channels?tenant=${tenant}`, { name: "owners", kind: "notion_comment" });
    expect([webhook.status, slack.status, notion.status]).toEqual([201, 201, 201]);

    const listed = await admin("GET", `/channels?tenant=${tenant}`);
    expect(listed.body.channels).toEqual([
      {
        name: "finance",
        kind: "slack",
        url_secret: "FINANCE_SLACK_URL",
        default: false,
        created_at: expect.any(String),
      },
      {
        name: "ops-hook",
        kind: "webhook",
        url: "https://ops.example.test/hook",
        secret: "OPS_HOOK_SECRET",
        default: true,
        created_at: expect.any(String),
      },
      { name: "owners", kind: "notion_comment", default: false, created_at: expect.any(String) },
    ]);

    expect((await admin("DELETE", `/channels/finance?tenant=${tenant}`)).body).toEqual({ removed: "finance" });
    expect((await admin("DELETE", `/channels/finance?tenant=${tenant}`)).body.error.code).toBe("channel_not_found");
    expect((await admin("GET", `/channels?tenant=${tenant}`)).body.channels).toHaveLength(2);
  });

  it("refuses a channel it could not use safely, with a structured error", async () => {
    const { tenant } = await newTenant();
    const plainHttp = await admin("POST", `/channels?tenant=${tenant}`, {
      name: "hook",
      kind: "webhook",
      url: "http://ops.example.test/hook",
      secret: "OPS_HOOK_SECRET",
    });
    const secretValue = await admin("POST", `/channels?tenant=${tenant}`, {
      name: "hook",
      kind: "slack",
      url_secret: "https://hooks.slack.com/services/T0/B0/xyz",
    });
    const badName = await admin("POST", `/channels?tenant=${tenant}`, { name: "Ops Hook", kind: "notion_comment" });
    for (const refused of [plainHttp, secretValue, badName]) {
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("invalid_request");
    }
    expect(plainHttp.body.error.details).toEqual([{ path: "url", message: "must be an https:// URL" }]);
    expect(JSON.stringify(secretValue.body)).not.toContain("hooks.slack.com");

    await admin("POST", `/channels?tenant=${tenant}`, { name: "owners", kind: "notion_comment" });
    const again = await admin("POST", `/channels?tenant=${tenant}`, { name: "owners", kind: "notion_comment" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("channel_exists");
  });

  it("lists deliveries by status and refuses an unknown status", async () => {
    const { tenant } = await newTenant();
    expect((await admin("GET", `/notifications?tenant=${tenant}&status=dead`)).body).toEqual({
      tenant,
      notifications: [],
    });
    const refused = await admin("GET", `/notifications?tenant=${tenant}&status=lost`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("invalid_request");
  });
});
