import { z } from "zod";
import { CHANNEL_NAME } from "../policy";

const name = z
  .string()
  .regex(CHANNEL_NAME, "1 to 64 lower-case letters, digits, _ or -, starting with a letter or digit")
  .describe("The channel's name, as a policy row's Channels column names it");
const secretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, "the NAME of a Worker secret: upper-case letters, digits and _")
  .describe("The Worker secret holding the value; the value itself is never sent to or returned by the API");
const isDefault = z.boolean().default(false).describe("Events that name no channel go to the default channels");

/** A channel to create (admin API, `policy-os channels add`). Secrets are named, never sent. */
export const channelInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    tenant: z.string().optional(),
    name,
    kind: z.literal("webhook"),
    url: z
      .url({ protocol: /^https$/, error: "must be an https:// URL" })
      .max(2000)
      .describe("Where the signed JSON is POSTed"),
    secret: secretName.describe("The Worker secret holding the HMAC-SHA256 signing secret"),
    default: isDefault,
  }),
  z.strictObject({
    tenant: z.string().optional(),
    name,
    kind: z.literal("slack"),
    url_secret: secretName.describe("The Worker secret holding the Slack incoming-webhook URL"),
    default: isDefault,
  }),
  z.strictObject({
    tenant: z.string().optional(),
    name,
    kind: z.literal("notion_comment"),
    default: isDefault,
  }),
]);

/** A parsed channel to create. */
export type ChannelInput = z.infer<typeof channelInputSchema>;
