// Small pieces shared by the screens: loading and error states, the calendar, a status badge.
import { useEffect, useState } from "preact/hooks";
import { ApiError, cached, type Calendar, type CodeName, type Unit } from "./api";
import { addDays, today } from "./format";

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: ApiError | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(e instanceof ApiError ? e : new ApiError(0, { code: "error", message: String(e), details: [] })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export function Problem({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <div class="problem" role="alert">
      <p>{error.message}</p>
      {error.body.details.length > 0 && (
        <ul>
          {error.body.details.map((d) => (
            <li key={d.field}>
              <code>{d.field}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Đang tải…
    </p>
  );
}

export function Status({ status, label, overdue }: { status: string; label: string; overdue?: boolean }) {
  return (
    <span class={`status s-${status}${overdue ? " overdue" : ""}`}>
      {label}
      {overdue ? " · quá hạn" : ""}
    </span>
  );
}

/** The working-day calendar around today (90 days back, 120 ahead): enough for every open deadline. */
export function calendarAround(): Promise<Calendar> {
  const now = today();
  return cached<Calendar>("/v1/calendar", { from: addDays(now, -90), to: addDays(now, 120) });
}

export function useCalendar(): Calendar | null {
  return useAsync(calendarAround, []).data;
}

export function useUnits(): Unit[] {
  const data = useAsync(() => cached<{ items: Unit[] }>("/v1/units", { valid_on: today() }), []).data;
  return data?.items ?? [];
}

export function useCategories(): CodeName[] {
  const data = useAsync(() => cached<{ items: CodeName[] }>("/v1/categories"), []).data;
  return data?.items ?? [];
}

export const STATUSES: [string, string][] = [
  ["received", "Đã tiếp nhận"],
  ["assigned", "Đã chuyển xử lý"],
  ["in_progress", "Đang xử lý"],
  ["resolved", "Đã giải quyết"],
  ["rejected", "Từ chối xử lý"],
];
