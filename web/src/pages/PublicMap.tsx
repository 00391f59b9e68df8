import { get, type Page, type Report } from "../api";
import { date } from "../format";
import { MapView } from "../map";
import { Loading, Problem, Status, useAsync } from "../ui";

/** The public map and list of reports (GET /v1/reports: hidden and test reports are never in it). */
export function PublicMap() {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const state = useAsync(() => get<Page<Report>>("/v1/reports", { limit: 50 }, true), []);
  const lat = Number(params.get("lat"));
  const lng = Number(params.get("lng"));
  const focus = params.get("lat") && params.get("lng") ? [{ lat, lng, label: "Vị trí phản ánh" }] : null;
  return (
    <section>
      <h1>Bản đồ phản ánh</h1>
      <Problem error={state.error} />
      {!state.data ? (
        !state.error && <Loading />
      ) : (
        <>
          <MapView
            title="Bản đồ phản ánh"
            zoom={16}
            points={
              focus ??
              state.data.items.map((r) => ({ lat: r.location.lat, lng: r.location.lng, label: `${r.category.name}: ${r.status_label}`, href: `#/phan-anh/${r.id}` }))
            }
          />
          <ul class="list">
            {state.data.items.map((r) => (
              <li key={r.id}>
                <a href={`#/phan-anh/${r.id}`}>{r.category.name}</a> — {date(r.received_at)}{" "}
                <Status status={r.status} label={r.status_label} overdue={r.overdue} />
                <div class="muted">{r.unit?.name}</div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
