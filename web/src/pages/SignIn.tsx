import { useState } from "preact/hooks";
import { cognitoSignIn, devSignIn, ROLE_NAMES } from "../auth";
import { config } from "../main";
import { useUnits } from "../ui";

export function SignIn({ back }: { back: string }) {
  const units = useUnits();
  const [role, setRole] = useState("officer");
  const [unit, setUnit] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  if (config.auth === "cognito") {
    return (
      <section class="card narrow">
        <h1>Đăng nhập</h1>
        <p>Cán bộ xử lý và Tổ điều hành IOC đăng nhập bằng tài khoản do IOC Điện Biên cấp.</p>
        <button type="button" class="primary" onClick={() => void cognitoSignIn(config)}>
          Đăng nhập
        </button>
      </section>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await devSignIn(role, role === "officer" ? unit : null);
      location.hash = back && !back.includes("dang-nhap") ? back : "#/hop-viec";
      dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card narrow">
      <h1>Đăng nhập</h1>
      <p class="muted">Trang đăng nhập dành cho môi trường phát triển: chọn vai trò (và đơn vị với cán bộ xử lý).</p>
      <form onSubmit={submit}>
        <label for="role">Vai trò</label>
        <select id="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
          {["officer", "ioc", "tech", "citizen"].map((r) => (
            <option value={r} key={r}>
              {ROLE_NAMES[r]}
            </option>
          ))}
        </select>
        {role === "officer" && (
          <>
            <label for="unit">Đơn vị</label>
            <select id="unit" value={unit} required onChange={(e) => setUnit(e.currentTarget.value)}>
              <option value="">— Chọn đơn vị —</option>
              {units.map((u) => (
                <option value={u.code} key={u.code}>
                  {u.name}
                </option>
              ))}
            </select>
          </>
        )}
        {error && (
          <p class="problem" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Đăng nhập
        </button>
      </form>
    </section>
  );
}
