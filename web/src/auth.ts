// Signing in. Locally the development page asks the stack for a token (POST /dev/token); in AWS the Cognito
// hosted UI with the authorization code flow and PKCE. The token lives in sessionStorage only: never in a URL,
// a log or localStorage; closing the tab signs out.

export interface Session {
  token: string;
  sub: string;
  roles: string[];
  unit: string | null;
  name: string | null;
  exp: number;
}

export interface ConsoleConfig {
  auth: "dev" | "cognito";
  api_base: string;
  tile_url: string;
  tile_attribution?: string;
  cognito_domain?: string;
  client_id?: string;
  redirect_uri?: string;
}

const KEY = "paht.session";
const PKCE = "paht.pkce";

export const ROLE_NAMES: Record<string, string> = {
  officer: "Cán bộ xử lý",
  ioc: "Tổ điều hành IOC",
  tech: "Kỹ thuật IOC",
  citizen: "Người dân",
  system: "Hệ thống",
};

function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export function sessionFrom(token: string): Session {
  const c = claims(token);
  return {
    token,
    sub: String(c.sub ?? ""),
    roles: (c["cognito:groups"] as string[] | undefined) ?? [],
    unit: (c["custom:unit_code"] as string | undefined) ?? null,
    name: (c.name as string | undefined) ?? null,
    exp: Number(c.exp ?? 0),
  };
}

export function session(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const s = JSON.parse(raw) as Session;
  if (s.exp * 1000 < Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return s;
}

export function has(role: string): boolean {
  return session()?.roles.includes(role) ?? false;
}

export function saveToken(token: string): Session {
  const s = sessionFrom(token);
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

export async function devSignIn(role: string, unit: string | null): Promise<Session> {
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role, unit }),
  });
  const body = (await response.json()) as { token?: string; error?: { message: string } };
  if (!response.ok || !body.token) throw new Error(body.error?.message ?? "Không đăng nhập được.");
  return saveToken(body.token);
}

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function cognitoSignIn(cfg: ConsoleConfig): Promise<void> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, back: location.hash }));
  const params = new URLSearchParams({
    response_type: "code",
    client_id: cfg.client_id ?? "",
    redirect_uri: cfg.redirect_uri ?? location.origin + "/",
    scope: "openid email profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  location.assign(`${cfg.cognito_domain}/oauth2/authorize?${params}`);
}

/** Back from the hosted UI with ?code=…: trade it for tokens, then take the code out of the address bar. */
export async function finishCognito(cfg: ConsoleConfig): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const pending = sessionStorage.getItem(PKCE);
  if (!code || !pending) return false;
  const { verifier, state, back } = JSON.parse(pending) as { verifier: string; state: string; back: string };
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, "", location.pathname + (back || "#/hop-viec"));
  if (params.get("state") !== state) return false;
  const response = await fetch(`${cfg.cognito_domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: cfg.client_id ?? "",
      code,
      redirect_uri: cfg.redirect_uri ?? location.origin + "/",
      code_verifier: verifier,
    }),
  });
  if (!response.ok) return false;
  const tokens = (await response.json()) as { id_token: string };
  saveToken(tokens.id_token);
  return true;
}

export function signOut(cfg: ConsoleConfig | null): void {
  sessionStorage.removeItem(KEY);
  if (cfg?.auth === "cognito" && cfg.cognito_domain) {
    const params = new URLSearchParams({ client_id: cfg.client_id ?? "", logout_uri: cfg.redirect_uri ?? location.origin + "/" });
    location.assign(`${cfg.cognito_domain}/logout?${params}`);
    return;
  }
  location.hash = "#/dang-nhap";
}
