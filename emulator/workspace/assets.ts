/** The workspace's only script: a select or checkbox marked `data-autosubmit` saves as soon as it changes, as in Notion. */
export const WORKSPACE_JS = `document.addEventListener("change", (event) => {
  const control = event.target;
  if (control instanceof HTMLElement && control.hasAttribute("data-autosubmit")) control.form?.requestSubmit();
});
`;

/** The workspace's style sheet: plain and close to Notion's look. */
export const WORKSPACE_CSS = `body { margin: 0; font: 15px/1.5 ui-sans-serif, system-ui, sans-serif; color: #37352f; }
header { display: flex; justify-content: space-between; align-items: center; padding: 8px 24px; border-bottom: 1px solid #e9e9e7; background: #fbfbfa; }
header .home { font-weight: 600; color: inherit; text-decoration: none; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
nav { color: #787774; font-size: 13px; }
a { color: inherit; }
h1 { font-size: 28px; margin: 12px 0 16px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
th, td { border: 1px solid #e9e9e7; padding: 4px 8px; text-align: left; vertical-align: top; font-size: 14px; }
th { color: #787774; font-weight: 500; white-space: nowrap; }
table.properties th { border: none; width: 160px; }
table.properties td { border: none; }
form.cell { display: flex; gap: 6px; margin: 0; }
form.cell input[type=text], form.cell input[type=number] { min-width: 480px; border: 1px solid transparent; background: transparent; padding: 2px 4px; }
form.cell input:hover, form.cell input:focus { border-color: #d3d1cb; background: #fff; }
form.cell button { visibility: hidden; }
form.cell:focus-within button { visibility: visible; }
input, select, button { font: inherit; }
.readonly { color: #555; }
.new-row { margin-top: 12px; display: flex; gap: 6px; }
.note { color: #787774; font-size: 13px; }
.error { background: #fdebec; color: #9f2f2d; padding: 8px 12px; border-radius: 4px; }
.blocks { margin-top: 24px; border-top: 1px solid #e9e9e7; }
.blocks .item::before { content: "• "; }
.nested { margin-left: 24px; }
.callout { background: #f1f1ef; padding: 8px 12px; border-radius: 4px; margin: 8px 0; }
pre { background: #f7f6f3; padding: 8px 12px; overflow-x: auto; }
.comments { margin-top: 24px; border-top: 1px solid #e9e9e7; }
`;
