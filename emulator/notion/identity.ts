import type { UserObjectResponse } from "@notionhq/client";
import { NotionApiError } from "./errors";

/** A person the emulator knows; `Bearer person:<handle>` acts as them. */
export interface PersonConfig {
  handle: string;
  id: string;
  name: string;
  email: string;
}

/** The workspace and its integration (one bot user, any number of accepted tokens). */
export interface WorkspaceConfig {
  workspaceId: string;
  workspaceName: string;
  integrationId: string;
  botId: string;
  botName: string;
  tokens: string[];
}

/** Who is making a request: the integration's bot or a person. */
export interface Actor {
  type: "person" | "bot";
  id: string;
}

/** The sample people: a manager, an ops approver and the requester on whose behalf the demo agent acts. */
export const SAMPLE_PEOPLE: readonly PersonConfig[] = [
  { handle: "manager", id: "a0000000-0000-4000-8000-000000000001", name: "Maya Manager", email: "manager@example.com" },
  { handle: "ops", id: "a0000000-0000-4000-8000-000000000002", name: "Omar Ops", email: "ops@example.com" },
  {
    handle: "requester",
    id: "a0000000-0000-4000-8000-000000000003",
    name: "Rita Requester",
    email: "requester@example.com",
  },
];

/** The default workspace: token `secret_emulator`. */
export const DEFAULT_WORKSPACE: WorkspaceConfig = {
  workspaceId: "c0000000-0000-4000-8000-000000000001",
  workspaceName: "Policy OS (emulator)",
  integrationId: "c0000000-0000-4000-8000-000000000002",
  botId: "b0000000-0000-4000-8000-000000000001",
  botName: "Policy OS",
  tokens: ["secret_emulator"],
};

/** Users of one workspace: resolves bearer tokens and renders user objects. */
export class Directory {
  constructor(
    readonly workspace: WorkspaceConfig,
    readonly people: readonly PersonConfig[],
  ) {}

  /** The actor for an Authorization header, or 401 `unauthorized`. */
  authenticate(authorization: string | null): Actor & { token: string } {
    const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1]?.trim();
    if (token && this.workspace.tokens.includes(token)) return { type: "bot", id: this.workspace.botId, token };
    const handle = token?.startsWith("person:") ? token.slice("person:".length) : undefined;
    const person = this.people.find((p) => p.handle === handle);
    if (token && person) return { type: "person", id: person.id, token };
    throw new NotionApiError(401, "unauthorized", "API token is invalid.");
  }

  /** Every user, the bot first. */
  all(): UserObjectResponse[] {
    return [this.bot(), ...this.people.map((p) => this.person(p))];
  }

  /** The user with this id, if any. */
  find(id: string): UserObjectResponse | undefined {
    return this.all().find((u) => u.id === id);
  }

  /** The integration's bot user as `users.me` returns it. */
  bot(): UserObjectResponse {
    return {
      object: "user",
      id: this.workspace.botId,
      name: this.workspace.botName,
      avatar_url: null,
      type: "bot",
      bot: {
        owner: { type: "workspace", workspace: true },
        workspace_id: this.workspace.workspaceId,
        workspace_limits: { max_file_upload_size_in_bytes: 5_242_880 },
        workspace_name: this.workspace.workspaceName,
      },
    };
  }

  private person(p: PersonConfig): UserObjectResponse {
    return { object: "user", id: p.id, name: p.name, avatar_url: null, type: "person", person: { email: p.email } };
  }
}
