import { useState } from "preact/hooks";
import { ApiError, get, post, type Actions, type Calendar, type Report } from "../api";
import { ROLE_NAMES } from "../auth";
import { addDays, date, dateTime, dayText, timeLeft, currentDeadline, vnDay, workingDaysBetween } from "../format";
import { MapView } from "../map";
import { Loading, Problem, Status, useAsync, useCalendar } from "../ui";
import { ActionForm } from "./ActionForms";

function DeadlineLine({ label, start, end, cal }: { label: string; start: string | null; end: string | null; cal: Calendar | null }) {
  if (!end) return null;
  const days = start ? workingDaysBetween(cal, vnDay(start), vnDay(end)) : null;
  const off = cal && start ? cal.days_off.filter((d) => d.date > vnDay(start) && d.date <= vnDay(end)) : [];
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        {dateTime(end)}
        {days !== null && <span class="muted"> ({days} ngày làm việc từ ngày giao)</span>}
        {off.length > 0 && (
          <details>
            <summary>Ngày nghỉ trong thời hạn ({off.length})</summary>
            <ul>
              {off.map((d) => (
                <li key={d.date}>
                  {dayText(d.date)}: {d.name}
                </li>
              ))}
            </ul>
          </details>
        )}
      </dd>
    </div>
  );
}

export function Media({ report }: { report: Report }) {
  if (report.media.length === 0) return null;
  return (
    <div class="media">
      {report.media.map((m, i) =>
        m.content_type.startsWith("video/") ? (
          <video key={m.url} src={m.url} controls preload="none" aria-label={`Video ${i + 1}`} />
        ) : (
          <a key={m.url} href={m.url} target="_blank" rel="noreferrer">
            <img src={m.url} alt={`Ảnh ${i + 1} của phản ánh`} loading="lazy" />
          </a>
        ),
      )}
    </div>
  );
}

export function ReportPage({ id }: { id: string }) {
  const cal = useCalendar();
  const [notice, setNotice] = useState<{ kind: "ok" | "conflict"; text: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const state = useAsync(
    () => Promise.all([get<Report>(`/v1/reports/${id}`), get<Actions>(`/v1/reports/${id}/actions`)]),
    [id],
  );
  if (state.error) return <Problem error={state.error} />;
  if (!state.data) return <Loading />;
  const [r, actions] = state.data;

  const act = async (body: Record<string, unknown>, done: string) => {
    try {
      await post<Report>(`/v1/reports/${id}/actions`, body);
      setNotice({ kind: "ok", text: done });
      setOpen(null);
      state.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setNotice({
          kind: "conflict",
          text: "Người khác vừa thay đổi phản ánh này. Trang đã tải lại trạng thái mới nhất; hãy xem lại trước khi thao tác.",
        });
        setOpen(null);
        state.reload();
        return;
      }
      throw e;
    }
  };

  const deadline = currentDeadline(r);
  return (
    <article class="report">
      <p>
        <a href="#/hop-viec">← Hộp việc</a>
      </p>
      <h1>
        Phản ánh {r.id} <Status status={r.status} label={r.status_label} overdue={r.overdue} />
      </h1>
      {notice && (
        <div class={notice.kind === "ok" ? "done" : "problem"} role={notice.kind === "ok" ? "status" : "alert"}>
          {notice.text}
        </div>
      )}
      <div class="cols">
        <div>
          <section class="card">
            <h2>{r.category.name}</h2>
            <p class="description">{r.description}</p>
            <Media report={r} />
            {r.hidden && (
              <p class="problem">
                Đã ẩn khỏi trang công khai: {r.hidden.reason} ({dateTime(r.hidden.at)})
              </p>
            )}
            {r.is_test && <p class="tag">Phản ánh thử nghiệm</p>}
          </section>
          <section class="card">
            <h2>Thao tác</h2>
            {actions.actions.length === 0 ? (
              <p class="muted">Bạn không có thao tác nào với phản ánh này lúc này.</p>
            ) : (
              <div class="action-buttons" role="group" aria-label="Thao tác xử lý">
                {actions.actions.map((a) => (
                  <button
                    type="button"
                    key={a.type}
                    aria-expanded={open === a.type}
                    class={open === a.type ? "primary" : ""}
                    onClick={() => setOpen(open === a.type ? null : a.type)}
                  >
                    {a.label}
                  </button>
                ))}
              </div>
            )}
            {open && (
              <ActionForm
                type={open}
                label={actions.actions.find((a) => a.type === open)?.label ?? open}
                report={r}
                actions={actions}
                minExtend={r.due_at ? addDays(vnDay(r.due_at), 1) : null}
                onSubmit={act}
                onCancel={() => setOpen(null)}
              />
            )}
          </section>
          <section class="card">
            <h2>Tiến trình công khai</h2>
            <ol class="timeline">
              {r.timeline.map((t, i) => (
                <li key={i}>
                  <time>{dateTime(t.at)}</time> {t.text}
                </li>
              ))}
            </ol>
            {r.answer && (
              <>
                <h3>Trả lời</h3>
                <p class="answer">{r.answer}</p>
              </>
            )}
          </section>
          {r.history && (
            <section class="card">
              <h2>Lịch sử xử lý (nội bộ)</h2>
              <ol class="timeline">
                {r.history.map((h, i) => (
                  <li key={i}>
                    <time>{dateTime(h.at)}</time> <strong>{ROLE_NAMES[h.actor_role] ?? h.actor_role}</strong>
                    {h.actor_unit ? ` (${h.actor_unit})` : ""}: {h.public_text ?? ""}
                    {h.internal_text && <div class="internal">Nội bộ: {h.internal_text}</div>}
                  </li>
                ))}
              </ol>
            </section>
          )}
        </div>
        <aside>
          <section class="card">
            <dl class="facts">
              <div>
                <dt>Đơn vị xử lý</dt>
                <dd>{r.unit?.name ?? "—"}</dd>
              </div>
              <div>
                <dt>Tiếp nhận</dt>
                <dd>{dateTime(r.received_at)}</dd>
              </div>
              <DeadlineLine label="Hạn tiếp nhận" start={r.received_at} end={r.triage_due_at} cal={cal} />
              <DeadlineLine label="Hạn giải quyết" start={r.received_at} end={r.due_at} cal={cal} />
              {deadline && (
                <div>
                  <dt>Còn lại</dt>
                  <dd class={r.overdue ? "late" : "left"}>{timeLeft(cal, deadline, r.overdue)}</dd>
                </div>
              )}
              {r.closed_at && (
                <div>
                  <dt>Kết thúc</dt>
                  <dd>{date(r.closed_at)}</dd>
                </div>
              )}
              {r.reporter && (
                <div>
                  <dt>Người phản ánh</dt>
                  <dd>
                    {r.reporter.name}
                    <br />
                    <a href={`tel:${r.reporter.phone}`}>{r.reporter.phone}</a>
                    {r.reporter.email && (
                      <>
                        <br />
                        <a href={`mailto:${r.reporter.email}`}>{r.reporter.email}</a>
                      </>
                    )}
                  </dd>
                </div>
              )}
              <div>
                <dt>Địa điểm</dt>
                <dd>
                  {r.address ?? `${r.location.lat.toFixed(5)}, ${r.location.lng.toFixed(5)}`}
                  <br />
                  <a href={`#/ban-do?lat=${r.location.lat}&lng=${r.location.lng}`}>Xem trên bản đồ</a>
                </dd>
              </div>
            </dl>
            <MapView points={[{ lat: r.location.lat, lng: r.location.lng }]} title="Vị trí phản ánh" />
            <p>
              <a href={`#/phan-anh/${r.id}`}>Trang công khai của phản ánh</a>
            </p>
          </section>
        </aside>
      </div>
    </article>
  );
}
