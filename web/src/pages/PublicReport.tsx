import { get, type Report } from "../api";
import { dateTime } from "../format";
import { MapView } from "../map";
import { Loading, Problem, Status, useAsync } from "../ui";
import { Media } from "./Report";

/** What anyone may see of a report (the citizen's e-mails link here): asked for without a token, so the API
 * answers its public view, never personal data; hidden and test reports are a 404 here. */
export function PublicReport({ id }: { id: string }) {
  const state = useAsync(() => get<Report>(`/v1/reports/${id}`, undefined, true), [id]);
  if (state.error) {
    return state.error.status === 404 ? (
      <p class="problem" role="alert">
        Không tìm thấy phản ánh {id}.
      </p>
    ) : (
      <Problem error={state.error} />
    );
  }
  if (!state.data) return <Loading />;
  const r = state.data;
  return (
    <article class="report public">
      <h1>
        Phản ánh {r.id} <Status status={r.status} label={r.status_label} overdue={r.overdue} />
      </h1>
      <section class="card">
        <h2>{r.category.name}</h2>
        <p class="description">{r.description}</p>
        <Media report={r} />
        <dl class="facts">
          <div>
            <dt>Cơ quan giải quyết</dt>
            <dd>{r.unit?.name ?? "Đang phân công"}</dd>
          </div>
          <div>
            <dt>Gửi lúc</dt>
            <dd>{dateTime(r.received_at)}</dd>
          </div>
          <div>
            <dt>Hạn tiếp nhận</dt>
            <dd>{dateTime(r.triage_due_at)}</dd>
          </div>
          <div>
            <dt>Hạn giải quyết</dt>
            <dd>{dateTime(r.due_at)}</dd>
          </div>
          {r.rating !== null && (
            <div>
              <dt>Đánh giá của người dân</dt>
              <dd>{r.rating}/5</dd>
            </div>
          )}
        </dl>
      </section>
      {r.answer && (
        <section class="card">
          <h2>Kết quả giải quyết</h2>
          <p class="answer">{r.answer}</p>
        </section>
      )}
      <section class="card">
        <h2>Tiến trình</h2>
        <ol class="timeline">
          {r.timeline.map((t, i) => (
            <li key={i}>
              <time>{dateTime(t.at)}</time> {t.text}
            </li>
          ))}
        </ol>
      </section>
      <section class="card">
        <MapView points={[{ lat: r.location.lat, lng: r.location.lng }]} title="Vị trí phản ánh" />
        <a href={`#/ban-do?lat=${r.location.lat}&lng=${r.location.lng}`}>Xem trên bản đồ</a>
      </section>
    </article>
  );
}
