import type { ServerResponse } from "node:http";

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Tagged template that escapes interpolations unless they are already-rendered `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    const rendered = Array.isArray(value)
      ? value.map((v) => (v instanceof Html ? v.value : escapeHtml(v))).join("")
      : value instanceof Html
        ? value.value
        : value === null || value === undefined || value === false
          ? ""
          : escapeHtml(value);
    out += rendered + strings[i + 1];
  });
  return new Html(out);
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1f36;background:#f6f9fc}
main{max-width:960px;margin:0 auto;padding:32px 20px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:32px}
@media(max-width:760px){.grid{grid-template-columns:1fr}}
.card{background:#fff;border-radius:8px;box-shadow:0 2px 5px rgba(60,66,87,.08),0 1px 1px rgba(0,0,0,.06);padding:24px;margin-bottom:20px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:0 0 12px}.muted{color:#697386}.amount{font-size:28px;font-weight:600}
label{display:block;font-weight:500;margin:12px 0 4px}input{width:100%;padding:10px 12px;border:1px solid #cfd7df;border-radius:6px;font:inherit}
input:focus{outline:2px solid #635bff;border-color:#635bff}
select{width:100%;padding:10px 12px;border:1px solid #cfd7df;border-radius:6px;font:inherit;background:#fff}
fieldset{border:0;padding:0;margin:16px 0 0}legend{font-weight:600;padding:0}input[type=radio]{width:auto}.row{display:flex;gap:12px}.row>div{flex:1}
button,.button{display:inline-block;border:0;border-radius:6px;padding:10px 16px;font:inherit;font-weight:600;cursor:pointer;background:#635bff;color:#fff;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:#1a1f36;border:1px solid #cfd7df}button.danger{background:#df1b41}
.full{width:100%;margin-top:20px}.error{background:#fde8ec;color:#a41c3b;border-radius:6px;padding:10px 12px;margin:12px 0}
.notice{background:#e3f8ee;color:#0e6245;border-radius:6px;padding:10px 12px;margin:12px 0}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px 6px;border-bottom:1px solid #e3e8ee}td.num,th.num{text-align:right}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;background:#e3e8ee;font-size:12px;font-weight:600}.test{background:#ffde92;color:#5c3b00}
.merchant{font-weight:600;margin:0 0 8px}
ul.plain{list-style:none;padding:0;margin:0}ul.plain li{padding:8px 0;border-bottom:1px solid #e3e8ee;display:flex;justify-content:space-between;gap:12px;align-items:center}
`;

export function page(title: string, body: Html): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>${body.value}</main></body></html>`;
}

export function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Content-Length": 0 });
  res.end();
}

export function notFound(res: ServerResponse, what: string): void {
  sendHtml(res, 404, page("Not found", html`<div class="card"><h1>Not found</h1><p class="muted">${what}</p></div>`));
}
