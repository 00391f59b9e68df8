import { useState } from "preact/hooks";
import { get, type Page, type Row } from "../api";
import { Loading, Problem, STATUSES, useAsync, useCategories, useUnits } from "../ui";
import { RowsTable } from "./Queue";

/** The IOC's search over every report of the province (GET /v1/ioc/reports). */
export function AllReports() {
  const units = useUnits();
  const categories = useCategories();
  const [f, setF] = useState({ unit: "", status: "", overdue: "", category: "", id: "" });
  const [draftId, setDraftId] = useState("");
  const [more, setMore] = useState<Row[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const page = useAsync(async () => {
    setMore([]);
    const p = await get<Page<Row>>("/v1/ioc/reports", { ...f, limit: 25 });
    setCursor(p.next_cursor);
    return p;
  }, [JSON.stringify(f)]);
  const loadMore = async () => {
    if (!cursor) return;
    const p = await get<Page<Row>>("/v1/ioc/reports", { ...f, limit: 25, cursor });
    setMore([...more, ...p.items]);
    setCursor(p.next_cursor);
  };
  const set = (k: string) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLSelectElement).value });
  return (
    <section>
      <h1>Tất cả phản ánh</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setF({ ...f, id: draftId.trim() });
        }}
      >
        <div>
          <label for="a-id">Mã phản ánh</label>
          <input id="a-id" value={draftId} maxLength={26} onInput={(e) => setDraftId(e.currentTarget.value)} />
        </div>
        <div>
          <label for="a-unit">Đơn vị</label>
          <select id="a-unit" value={f.unit} onChange={set("unit")}>
            <option value="">Toàn tỉnh</option>
            {units.map((u) => (
              <option key={u.code} value={u.code}>
                {u.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="a-status">Trạng thái</label>
          <select id="a-status" value={f.status} onChange={set("status")}>
            <option value="">Tất cả</option>
            {STATUSES.map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="a-overdue">Quá hạn</label>
          <select id="a-overdue" value={f.overdue} onChange={set("overdue")}>
            <option value="">Tất cả</option>
            <option value="true">Đã quá hạn</option>
            <option value="false">Chưa quá hạn</option>
          </select>
        </div>
        <div>
          <label for="a-category">Lĩnh vực</label>
          <select id="a-category" value={f.category} onChange={set("category")}>
            <option value="">Tất cả</option>
            {categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">Tìm</button>
        </div>
      </form>
      <Problem error={page.error} />
      {page.data ? <RowsTable rows={[...page.data.items, ...more]} caption="Mọi phản ánh của tỉnh, mới nhất trước" /> : !page.error && <Loading />}
      {cursor && (
        <button type="button" onClick={() => void loadMore()}>
          Xem thêm
        </button>
      )}
    </section>
  );
}
