import { useState } from "preact/hooks";
import { getBlob, get, type StatsRow, type StatsTable } from "../api";
import { dayText, percent, today } from "../format";
import { Loading, Problem, useAsync } from "../ui";

type Key = "unit" | "total" | "resolved" | "resolved_on_time" | "rejected" | "open" | "overdue" | "overdue_rate";

const COLUMNS: [Key, string][] = [
  ["unit", "Đơn vị"],
  ["total", "Tổng số"],
  ["resolved", "Đã giải quyết"],
  ["resolved_on_time", "Đúng hạn"],
  ["rejected", "Từ chối"],
  ["open", "Đang xử lý"],
  ["overdue", "Quá hạn"],
  ["overdue_rate", "Tỷ lệ quá hạn"],
];

function value(row: StatsRow, key: Key): string | number {
  return key === "unit" ? row.unit.name : row[key];
}

export function Stats() {
  const now = today();
  const [from, setFrom] = useState(now.slice(0, 8) + "01");
  const [to, setTo] = useState(now);
  const [period, setPeriod] = useState({ from, to });
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: "overdue_rate", desc: true });
  const table = useAsync(() => get<StatsTable>("/v1/stats", period), [period.from, period.to]);

  const download = async () => {
    const blob = await getBlob("/v1/stats", { ...period, format: "csv" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `thong-ke-paht-${period.from}_${period.to}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  };

  const rows = [...(table.data?.rows ?? [])].sort((a, b) => {
    const x = value(a, sort.key);
    const y = value(b, sort.key);
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "vi");
    return sort.desc ? -c : c;
  });
  const header = (key: Key, text: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"} key={key}>
      <button type="button" class="sort" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key !== "unit" })}>
        {text}
        {sort.key === key ? (sort.desc ? " ▼" : " ▲") : ""}
      </button>
    </th>
  );
  const cells = (r: StatsRow) =>
    COLUMNS.map(([key]) =>
      key === "unit" ? (
        <th scope="row" key={key}>
          {r.unit.name}
        </th>
      ) : (
        <td key={key} class="num">
          {key === "overdue_rate" ? r.overdue_rate_label : r[key]}
        </td>
      ),
    );

  return (
    <section>
      <h1>Thống kê</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setPeriod({ from, to });
        }}
      >
        <div>
          <label for="s-from">Từ ngày</label>
          <input id="s-from" type="date" value={from} required onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div>
          <label for="s-to">Đến ngày</label>
          <input id="s-to" type="date" value={to} required onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div>
          <button type="submit">Xem</button>
        </div>
        <div>
          <button type="button" onClick={() => void download()}>
            Tải xuống CSV
          </button>
        </div>
      </form>
      <p class="muted">
        Phản ánh tiếp nhận từ {dayText(period.from)} đến {dayText(period.to)}.
      </p>
      <Problem error={table.error} />
      {!table.data ? (
        !table.error && <Loading />
      ) : (
        <>
          <div class="table-wrap">
            <table class="stats">
              <caption class="sr-only">Bảng thống kê giải quyết phản ánh theo đơn vị</caption>
              <thead>
                <tr>{COLUMNS.map(([k, t]) => header(k, t))}</tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.unit.code}>{cells(r)}</tr>
                ))}
              </tbody>
              {table.data.province && (
                <tfoot>
                  <tr class="province">{cells(table.data.province)}</tr>
                </tfoot>
              )}
            </table>
          </div>
          <h2>Tỷ lệ quá hạn theo đơn vị</h2>
          <ul class="chart" aria-label="Biểu đồ tỷ lệ quá hạn theo đơn vị">
            {[...(table.data.rows ?? [])]
              .filter((r) => r.total > 0)
              .sort((a, b) => b.overdue_rate - a.overdue_rate)
              .map((r) => (
                <li key={r.unit.code}>
                  <span class="bar-label">{r.unit.name}</span>
                  <span class="bar" style={{ width: `${Math.max(r.overdue_rate, 0.5)}%` }} />
                  <span class="bar-value">{r.overdue_rate_label || percent(r.overdue_rate)}</span>
                </li>
              ))}
          </ul>
        </>
      )}
    </section>
  );
}
