import { useState } from "preact/hooks";
import { get, type Page, type Row } from "../api";
import { has, session } from "../auth";
import { currentDeadline, date, dateTime, addDays, today, timeLeft } from "../format";
import { Loading, Problem, Status, useAsync, useCalendar, useCategories, useUnits } from "../ui";

export function RowsTable({ rows, caption }: { rows: Row[]; caption: string }) {
  const cal = useCalendar();
  if (rows.length === 0) return <p class="empty">Không có phản ánh nào.</p>;
  return (
    <div class="table-wrap">
      <table class="rows">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Mã</th>
            <th scope="col">Lĩnh vực · nội dung</th>
            <th scope="col">Tiếp nhận</th>
            <th scope="col">Hạn</th>
            <th scope="col">Trạng thái</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const deadline = currentDeadline(r);
            return (
              <tr key={r.id} class={r.overdue ? "is-overdue" : ""}>
                <td data-label="Mã">
                  <div>
                    <a href={`#/xu-ly/${r.id}`}>{r.id}</a>
                    {r.hidden && <span class="tag">đã ẩn</span>}
                  </div>
                </td>
                <td data-label="Nội dung">
                  <div>
                    <strong>{r.category.name}</strong>
                    <br />
                    {r.summary}
                    {r.unit && <div class="muted">{r.unit.name}</div>}
                  </div>
                </td>
                <td data-label="Tiếp nhận">{date(r.received_at)}</td>
                <td data-label="Hạn">
                  <div>
                    {dateTime(deadline)}
                    <div class={r.overdue ? "late" : "left"}>{timeLeft(cal, deadline, r.overdue)}</div>
                  </div>
                </td>
                <td data-label="Trạng thái">
                  <Status status={r.status} label={r.status_label} overdue={r.overdue} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

interface Filters {
  status: string;
  overdue: string;
  category: string;
  unit: string;
}

export function Queue() {
  const categories = useCategories();
  const units = useUnits();
  const ioc = has("ioc");
  const [f, setF] = useState<Filters>({ status: "", overdue: "", category: "", unit: "" });
  const [more, setMore] = useState<Row[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const base = { unit: ioc ? f.unit : undefined, category: f.category };
  const page = useAsync(async () => {
    setMore([]);
    const p = await get<Page<Row>>("/v1/inbox", { ...base, status: f.status, overdue: f.overdue, limit: 20 });
    setCursor(p.next_cursor);
    return p;
  }, [f.status, f.overdue, f.category, f.unit]);
  const counts = useAsync(async () => {
    const [late, due] = await Promise.all([
      get<Page<Row>>("/v1/inbox", { ...base, overdue: true, limit: 100 }),
      get<Page<Row>>("/v1/inbox", { ...base, overdue: false, due_before: addDays(today(), 1), limit: 100 }),
    ]);
    const n = (p: Page<Row>) => `${p.items.length}${p.next_cursor ? "+" : ""}`;
    return { late: n(late), due: n(due) };
  }, [f.category, f.unit]);
  const loadMore = async () => {
    if (!cursor) return;
    const p = await get<Page<Row>>("/v1/inbox", { ...base, status: f.status, overdue: f.overdue, limit: 20, cursor });
    setMore([...more, ...p.items]);
    setCursor(p.next_cursor);
  };
  const set = (k: keyof Filters) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLSelectElement).value });
  const s = session();
  const unitName = units.find((u) => u.code === (ioc ? f.unit : s?.unit))?.name;

  return (
    <section>
      <h1>Hộp việc{unitName ? ` — ${unitName}` : ioc ? " — IOC" : ""}</h1>
      {counts.data && (
        <p class="counts" aria-live="polite">
          <span class="count late">Quá hạn: {counts.data.late}</span>
          <span class="count due">Đến hạn hôm nay: {counts.data.due}</span>
        </p>
      )}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        {ioc && (
          <div>
            <label for="q-unit">Đơn vị</label>
            <select id="q-unit" value={f.unit} onChange={set("unit")}>
              <option value="">IOC (chưa phân công)</option>
              {units.map((u) => (
                <option key={u.code} value={u.code}>
                  {u.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div>
          <label for="q-status">Trạng thái</label>
          <select id="q-status" value={f.status} onChange={set("status")}>
            <option value="">Tất cả</option>
            <option value="assigned">Đã chuyển xử lý</option>
            <option value="in_progress">Đang xử lý</option>
          </select>
        </div>
        <div>
          <label for="q-overdue">Quá hạn</label>
          <select id="q-overdue" value={f.overdue} onChange={set("overdue")}>
            <option value="">Tất cả</option>
            <option value="true">Đã quá hạn</option>
            <option value="false">Chưa quá hạn</option>
          </select>
        </div>
        <div>
          <label for="q-category">Lĩnh vực</label>
          <select id="q-category" value={f.category} onChange={set("category")}>
            <option value="">Tất cả</option>
            {categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      </form>
      <Problem error={page.error} />
      {page.data ? <RowsTable rows={[...page.data.items, ...more]} caption="Phản ánh đang mở, hạn sớm nhất trước" /> : !page.error && <Loading />}
      {cursor && (
        <button type="button" onClick={() => void loadMore()}>
          Xem thêm
        </button>
      )}
    </section>
  );
}
