import { minuteIso } from "./clock";
import { notionUrl } from "./ids";
import { toRichText } from "./rich-text";
import { emptyState, type EmulatorState } from "./state";

/** The page shared with the integration in a fresh emulator; databases are created under it. */
export const ROOT_PAGE_ID = "d0000000-0000-4000-8000-000000000001";

/** A fresh state holding only the root page "Policy OS", created by `ownerId`. */
export function seededState(now: Date, ownerId: string): EmulatorState {
  const state = emptyState();
  const time = minuteIso(now);
  const user = { object: "user" as const, id: ownerId };
  const content = "Policy OS";
  state.pages[ROOT_PAGE_ID] = {
    seq: state.seq++,
    page: {
      object: "page",
      id: ROOT_PAGE_ID,
      created_time: time,
      last_edited_time: time,
      in_trash: false,
      archived: false,
      is_archived: false,
      is_locked: false,
      url: notionUrl(ROOT_PAGE_ID),
      public_url: null,
      parent: { type: "workspace", workspace: true },
      properties: {
        title: {
          id: "title",
          type: "title",
          title: toRichText([{ type: "text", text: { content } }], "seed", () => undefined),
        },
      },
      icon: null,
      cover: null,
      created_by: user,
      last_edited_by: user,
    },
  };
  return state;
}
