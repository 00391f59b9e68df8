// Dates, deadlines and numbers the way people in Điện Biên write them: Vietnam time (UTC+7, no daylight saving),
// "Thứ Năm, 10/12/2026", "còn 2 ngày làm việc", "96,6%".
import type { Calendar } from "./api";

const DAYS = ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];
const VN_MS = 7 * 3600 * 1000;

function vn(iso: string): Date {
  // A Date whose UTC fields are the Vietnam wall clock.
  return new Date(new Date(iso).getTime() + VN_MS);
}

const two = (n: number) => String(n).padStart(2, "0");

export function vnDay(iso: string): string {
  const d = vn(iso);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

export function today(): string {
  return vnDay(new Date().toISOString());
}

export function addDays(day: string, n: number): string {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function date(iso: string | null): string {
  if (!iso) return "—";
  const d = vn(iso);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

export function dayText(day: string): string {
  return date(day + "T00:00:00+07:00");
}

export function dateTime(iso: string | null): string {
  if (!iso) return "—";
  const d = vn(iso);
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return time === "23:59" ? `hết ${date(iso)}` : `${time} ${date(iso)}`;
}

/** The deadline the unit must meet next, as api.md's report carries it. */
export function currentDeadline(r: { status: string; triage_due_at: string | null; due_at: string | null }): string | null {
  if (r.status === "rejected" || r.status === "resolved") return null;
  if (r.status === "assigned" && r.triage_due_at) {
    return r.due_at && r.due_at < r.triage_due_at ? r.due_at : r.triage_due_at;
  }
  return r.due_at;
}

/** Working days between two Vietnam days, from the API's calendar: those after `from`, up to and including `to`. */
export function workingDaysBetween(cal: Calendar | null, from: string, to: string): number | null {
  if (!cal || from < cal.from || to > cal.to) return null;
  return cal.days.filter((d) => d.working && d.date > from && d.date <= to).length;
}

export function timeLeft(cal: Calendar | null, deadline: string | null, overdue: boolean): string {
  if (!deadline) return "";
  const now = today();
  const day = vnDay(deadline);
  if (overdue) {
    const n = workingDaysBetween(cal, day, now);
    return n ? `quá hạn ${n} ngày làm việc` : "quá hạn";
  }
  if (day === now) return "đến hạn hôm nay";
  const n = workingDaysBetween(cal, now, day);
  return n === null ? "" : `còn ${n} ngày làm việc`;
}

export function percent(n: number): string {
  return (Math.round(n * 10) / 10).toString().replace(".", ",") + "%";
}
