import { html, type Html } from "../html.ts";

export function loginPage(options: { token: boolean; basic: boolean; next: string; csrf: string; failed: boolean }): Html {
  return html`
<section class="card login">
  <h1>Sign in</h1>
  ${options.failed ? html`<p class="err">Those credentials are not right.</p>` : ""}
  <form method="post" action="/login">
    <input type="hidden" name="csrf" value="${options.csrf}">
    <input type="hidden" name="next" value="${options.next}">
    ${options.token ? html`<label>Access token (DASHBOARD_TOKEN) <input type="password" name="token" autocomplete="current-password"></label>` : ""}
    ${options.token && options.basic ? html`<p class="muted small">or</p>` : ""}
    ${options.basic
      ? html`<label>User <input type="text" name="user" autocomplete="username"></label>
        <label>Password <input type="password" name="password" autocomplete="current-password"></label>`
      : ""}
    <button type="submit">Sign in</button>
  </form>
</section>`;
}
