/** An ISO timestamp rounded down to the minute, as Notion reports created_time and last_edited_time. */
export function minuteIso(date: Date): string {
  const rounded = new Date(date.getTime());
  rounded.setUTCSeconds(0, 0);
  return rounded.toISOString();
}
