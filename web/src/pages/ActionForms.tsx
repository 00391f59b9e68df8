// One form per handling action: it names its fields, says what will happen and what the citizen will be told,
// and sends exactly the body api.md describes. The API has the last word; its 400/422 messages are shown as is.
import { useState } from "preact/hooks";
import { ApiError, get, post, type Actions, type Report, type Slot } from "../api";
import { Problem, useUnits } from "../ui";

type Submit = (body: Record<string, unknown>, done: string) => Promise<void>;

interface Props {
  type: string;
  label: string;
  report: Report;
  actions: Actions;
  minExtend: string | null;
  onSubmit: Submit;
  onCancel: () => void;
}

function Field(props: { id: string; label: string; children: preact.ComponentChildren; hint?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <small id={props.id + "-hint"} class="muted">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** Upload the fix's photos through the API's upload slots, then wait until the API lists them as uploaded. */
async function uploadAnswerPhotos(report: Report, files: File[]): Promise<string[]> {
  const keys: string[] = [];
  for (const file of files) {
    const slot = await post<Slot>(`/v1/reports/${report.id}/attachments`, {
      content_type: file.type,
      size: file.size,
      purpose: "answer",
    });
    const form = new FormData();
    for (const [k, v] of Object.entries(slot.fields)) form.append(k, v);
    form.append("file", file);
    // The storage answers without CORS headers; the upload's arrival is read back from the API below.
    await fetch(slot.url, { method: "POST", body: form, mode: "no-cors" });
    keys.push(slot.key);
  }
  const expected = report.media.length + files.length;
  for (let attempt = 0; attempt < 40; attempt++) {
    const now = await get<Report>(`/v1/reports/${report.id}`);
    if (now.media.length >= expected) return keys;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new ApiError(0, { code: "upload_timeout", message: "Ảnh chưa tải lên xong. Vui lòng thử lại.", details: [] });
}

export function ActionForm({ type, label, report, actions, minExtend, onSubmit, onCancel }: Props) {
  const units = useUnits();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [text, setText] = useState("");
  const [reason, setReason] = useState(actions.reject_reasons[0]?.code ?? "");
  const [duplicate, setDuplicate] = useState("");
  const [items, setItems] = useState<string[]>([""]);
  const [day, setDay] = useState(minExtend ?? "");
  const [unit, setUnit] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const unitName = report.unit?.name ?? "đơn vị";
  const id = (name: string) => `${type}-${name}`;

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(await body(), `Đã thực hiện: ${label}.`);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, { code: "error", message: String(err), details: [] }));
    } finally {
      setBusy(false);
    }
  };

  const body = async (): Promise<Record<string, unknown>> => {
    switch (type) {
      case "reject":
        return { type, reason, text, ...(reason === "duplicate" ? { duplicate_of: duplicate.trim().toUpperCase() } : {}) };
      case "request_info":
        return { type, items: items.map((i) => i.trim()).filter(Boolean) };
      case "extend":
        return { type, due_at: `${day}T23:59:59+07:00`, note: text };
      case "resolve":
        return { type, answer: text, media: files.length ? await uploadAnswerPhotos(report, files) : [] };
      case "return":
        return { type, reason: text };
      case "reassign":
        return { type, unit, ...(text ? { note: text } : {}) };
      case "hide":
        return { type, reason: text };
      case "unhide":
        return text ? { type, note: text } : { type };
      case "comment":
        return { type, text };
      default:
        return { type };
    }
  };

  const reasonName = actions.reject_reasons.find((r) => r.code === reason)?.name ?? "";
  const letter = (actions.request_info_letter ?? "").replace(
    "{items}",
    items.filter((i) => i.trim()).map((i, n) => `(${n + 1}) ${i.trim()}`).join("\n") || "(1) …",
  );

  let fields: preact.JSX.Element;
  let effect: string;
  let told: string | null = null;
  switch (type) {
    case "accept":
      fields = <></>;
      effect = "Phản ánh chuyển sang “Đang xử lý”; hạn giải quyết giữ nguyên.";
      told = `${unitName} đã tiếp nhận phản ánh và đang xử lý.`;
      break;
    case "reject":
      fields = (
        <>
          <Field id={id("reason")} label="Lý do từ chối">
            <select id={id("reason")} value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
              {actions.reject_reasons.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.name}
                </option>
              ))}
            </select>
          </Field>
          {reason === "duplicate" && (
            <Field id={id("dup")} label="Mã phản ánh bị trùng">
              <input id={id("dup")} value={duplicate} required minLength={26} maxLength={26} onInput={(e) => setDuplicate(e.currentTarget.value)} />
            </Field>
          )}
          <Field id={id("text")} label="Nội dung gửi người dân">
            <textarea id={id("text")} value={text} required maxLength={2000} onInput={(e) => setText(e.currentTarget.value)} />
          </Field>
        </>
      );
      effect = "Phản ánh kết thúc với trạng thái “Từ chối xử lý”.";
      told = `Từ chối xử lý. Lý do: ${reasonName}${reason === "duplicate" && duplicate ? ` (phản ánh ${duplicate})` : ""}. ${text}`.trim();
      break;
    case "request_info":
      fields = (
        <fieldset>
          <legend>Các thông tin cần bổ sung</legend>
          {items.map((item, i) => (
            <Field id={id(`item-${i}`)} label={`Thông tin cần bổ sung ${i + 1}`} key={i}>
              <input
                id={id(`item-${i}`)}
                value={item}
                required={i === 0}
                maxLength={300}
                onInput={(e) => setItems(items.map((x, j) => (j === i ? e.currentTarget.value : x)))}
              />
            </Field>
          ))}
          {items.length < 10 && (
            <button type="button" onClick={() => setItems([...items, ""])}>
              Thêm mục
            </button>
          )}
        </fieldset>
      );
      effect = "Phản ánh kết thúc (“Từ chối xử lý”, cần bổ sung thông tin); người dân gửi lại phản ánh mới.";
      told = letter;
      break;
    case "extend":
      fields = (
        <>
          <Field id={id("day")} label="Thời hạn mới (hết ngày)" hint={minExtend ? "Phải sau thời hạn hiện tại." : undefined}>
            <input id={id("day")} type="date" value={day} min={minExtend ?? undefined} required onInput={(e) => setDay(e.currentTarget.value)} />
          </Field>
          <Field id={id("text")} label="Thông báo công khai (lý do, tình trạng giải quyết)">
            <textarea id={id("text")} value={text} required maxLength={2000} onInput={(e) => setText(e.currentTarget.value)} />
          </Field>
        </>
      );
      effect = "Hạn giải quyết được dời đến ngày mới; phản ánh không còn bị tính quá hạn cho đến hạn mới.";
      told = `Gia hạn thời gian giải quyết đến hết ngày ${day.split("-").reverse().join("/")}. ${text}`.trim();
      break;
    case "resolve":
      fields = (
        <>
          <Field id={id("text")} label="Nội dung trả lời (công khai)">
            <textarea id={id("text")} value={text} required maxLength={4000} onInput={(e) => setText(e.currentTarget.value)} />
          </Field>
          <Field id={id("files")} label="Ảnh kết quả xử lý" hint="Tối đa 10 ảnh (JPEG, PNG, WebP).">
            <input
              id={id("files")}
              type="file"
              accept="image/jpeg,image/png,image/webp"
              multiple
              onChange={(e) => setFiles(Array.from(e.currentTarget.files ?? []))}
            />
          </Field>
        </>
      );
      effect = "Phản ánh kết thúc với trạng thái “Đã giải quyết”; câu trả lời và ảnh được công khai.";
      told = text || "(nội dung trả lời)";
      break;
    case "return":
      fields = (
        <Field id={id("text")} label="Lý do trả lại (không thuộc thẩm quyền của đơn vị)">
          <textarea id={id("text")} value={text} required maxLength={1000} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
      );
      effect = "Phản ánh trở về Tổ điều hành IOC để phân công lại; thời hạn tính lại từ khi giao đơn vị mới.";
      told = `${unitName} chuyển trả phản ánh về IOC để phân công lại đơn vị xử lý.`;
      break;
    case "reassign":
      fields = (
        <>
          <Field id={id("unit")} label="Đơn vị xử lý mới">
            <select id={id("unit")} value={unit} required onChange={(e) => setUnit(e.currentTarget.value)}>
              <option value="">— Chọn đơn vị —</option>
              {units
                .filter((u) => u.code !== report.unit?.code)
                .map((u) => (
                  <option key={u.code} value={u.code}>
                    {u.name}
                  </option>
                ))}
            </select>
          </Field>
          <Field id={id("text")} label="Ghi chú (nội bộ)">
            <textarea id={id("text")} value={text} maxLength={1000} onInput={(e) => setText(e.currentTarget.value)} />
          </Field>
        </>
      );
      effect = "Phản ánh được giao cho đơn vị mới, thư chuyển xử lý gửi đến đơn vị; thời hạn tính lại từ bây giờ.";
      told = `Phản ánh được chuyển đến ${units.find((u) => u.code === unit)?.name ?? "…"} để xử lý.`;
      break;
    case "hide":
      fields = (
        <Field id={id("text")} label="Lý do ẩn (vi phạm Điều 9)">
          <textarea id={id("text")} value={text} required maxLength={1000} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
      );
      effect = "Phản ánh không còn trên trang công khai và bản đồ; việc xử lý vẫn tiếp tục.";
      told = "Người gửi được báo phản ánh bị ẩn, kèm lý do.";
      break;
    case "unhide":
      fields = (
        <Field id={id("text")} label="Ghi chú (nội bộ)">
          <textarea id={id("text")} value={text} maxLength={1000} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
      );
      effect = "Phản ánh hiện lại trên trang công khai.";
      break;
    default:
      fields = (
        <Field id={id("text")} label="Ghi chú">
          <textarea id={id("text")} value={text} required maxLength={2000} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
      );
      effect = "Ghi chú chỉ cán bộ đơn vị và IOC thấy; người dân không được báo.";
  }

  return (
    <form class="action-form" onSubmit={send} aria-label={label}>
      <h3>{label}</h3>
      <p class="effect">{effect}</p>
      {fields}
      {told !== null && (
        <div class="preview">
          <h4>Người dân sẽ nhận được</h4>
          <pre>{told}</pre>
        </div>
      )}
      <Problem error={error} />
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Đang gửi…" : `Xác nhận: ${label}`}
        </button>
        <button type="button" onClick={onCancel}>
          Hủy
        </button>
      </div>
    </form>
  );
}
