// The one way the console talks to the JSON API: same origin, bearer token from the session, api.md's errors.
import { session } from "./auth";

export interface ApiErrorBody {
  code: string;
  message: string;
  details: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: ApiErrorBody,
  ) {
    super(body.message);
  }
}

export interface CodeName {
  code: string;
  name: string;
}

export interface Row {
  id: string;
  category: CodeName;
  status: string;
  status_label: string;
  unit: CodeName | null;
  received_at: string;
  triage_due_at: string | null;
  due_at: string | null;
  overdue: boolean;
  address: string | null;
  hidden: boolean;
  summary: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface HistoryItem {
  at: string;
  type: string;
  actor_role: string;
  actor_unit: string | null;
  public: boolean;
  public_text: string | null;
  internal_text: string | null;
}

export interface Report {
  id: string;
  category: CodeName;
  description: string;
  location: { lat: number; lng: number };
  address: string | null;
  status: string;
  status_label: string;
  unit: CodeName | null;
  received_at: string;
  triage_due_at: string | null;
  due_at: string | null;
  overdue: boolean;
  closed_at: string | null;
  answer: string | null;
  media: { url: string; content_type: string }[];
  timeline: { at: string; type: string; text: string | null }[];
  rating: number | null;
  reporter?: { name: string; phone: string; email: string | null };
  hidden?: { reason: string; at: string } | null;
  is_test?: boolean;
  history?: HistoryItem[];
}

export interface Actions {
  report_id: string;
  status: string;
  actions: { type: string; label: string }[];
  reject_reasons: CodeName[];
  request_info_letter: string | null;
}

export interface Unit extends CodeName {
  kind: string;
  valid_from: string;
  valid_to: string | null;
}

export interface Calendar {
  from: string;
  to: string;
  working_days: number;
  days_off: { date: string; name: string }[];
  days: { date: string; working: boolean; name: string | null }[];
}

export interface StatsRow {
  unit: CodeName;
  total: number;
  resolved: number;
  resolved_on_time: number;
  rejected: number;
  open: number;
  overdue: number;
  overdue_rate: number;
  overdue_rate_label: string;
  median_working_days: number | null;
  average_rating: number | null;
}

export interface StatsTable {
  from: string;
  to: string;
  rows: StatsRow[];
  province: StatsRow | null;
}

export interface Slot {
  key: string;
  url: string;
  fields: Record<string, string>;
  max_bytes: number;
  content_type: string;
}

let apiBase = "";
export function setApiBase(base: string): void {
  apiBase = base.replace(/\/$/, "");
}

type Query = Record<string, string | number | boolean | null | undefined>;

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return apiBase + path + (qs ? "?" + qs : "");
}

async function send(method: string, path: string, opts: { query?: Query; body?: unknown; anonymous?: boolean; key?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = session()?.token;
  if (token && !opts.anonymous) headers["Authorization"] = "Bearer " + token;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.key) headers["Idempotency-Key"] = opts.key;
  let response: Response;
  try {
    response = await fetch(url(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: "omit",
    });
  } catch {
    throw new ApiError(0, { code: "network", message: "Không kết nối được máy chủ. Kiểm tra mạng và thử lại.", details: [] });
  }
  if (!response.ok) {
    let body: ApiErrorBody = { code: "http_" + response.status, message: "Lỗi " + response.status, details: [] };
    try {
      body = ((await response.json()) as { error: ApiErrorBody }).error ?? body;
    } catch {
      /* not JSON: keep the generic message */
    }
    throw new ApiError(response.status, body);
  }
  return response;
}

export async function get<T>(path: string, query?: Query, anonymous = false): Promise<T> {
  return (await (await send("GET", path, { query, anonymous })).json()) as T;
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  return (await (await send("POST", path, { body, key })).json()) as T;
}

export async function getBlob(path: string, query?: Query): Promise<Blob> {
  return (await send("GET", path, { query })).blob();
}

const cache = new Map<string, Promise<unknown>>();
/** Reference data (units, categories) read once per page load. */
export function cached<T>(path: string, query?: Query): Promise<T> {
  const k = url(path, query);
  if (!cache.has(k)) cache.set(k, get<T>(path, query, true).catch((e) => { cache.delete(k); throw e; }));
  return cache.get(k) as Promise<T>;
}
