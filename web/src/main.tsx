import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { setApiBase } from "./api";
import { finishCognito, has, ROLE_NAMES, session, signOut, type ConsoleConfig } from "./auth";
import "./style.css";
import { SignIn } from "./pages/SignIn";
import { Queue } from "./pages/Queue";
import { ReportPage } from "./pages/Report";
import { AllReports } from "./pages/AllReports";
import { Stats } from "./pages/Stats";
import { PublicReport } from "./pages/PublicReport";
import { PublicMap } from "./pages/PublicMap";

// Screens are addressed after '#' (e-mails link to #/xu-ly/<id> and #/phan-anh/<id>): one index.html serves all.
function route(): string[] {
  return location.hash.replace(/^#\/?/, "").split("?")[0].split("/").filter(Boolean);
}

export let config: ConsoleConfig = { auth: "dev", api_base: "", tile_url: "" };

function Nav({ path }: { path: string }) {
  const s = session();
  const link = (href: string, text: string) => (
    <a href={href} aria-current={("#/" + path).startsWith(href) ? "page" : undefined}>
      {text}
    </a>
  );
  return (
    <header class="top">
      <a class="brand" href={s ? "#/hop-viec" : "#/ban-do"}>
        Phản ánh hiện trường
      </a>
      <nav aria-label="Chính">
        {s && (has("officer") || has("ioc")) && link("#/hop-viec", "Hộp việc")}
        {s && (has("ioc") || has("tech")) && link("#/tat-ca", "Tất cả phản ánh")}
        {s && (has("officer") || has("ioc")) && link("#/thong-ke", "Thống kê")}
        {link("#/ban-do", "Bản đồ")}
      </nav>
      <div class="who">
        {s ? (
          <>
            <span>
              {s.name ?? s.sub} · {s.roles.map((r) => ROLE_NAMES[r] ?? r).join(", ")}
              {s.unit ? ` · ${s.unit}` : ""}
            </span>
            <button type="button" onClick={() => signOut(config)}>
              Đăng xuất
            </button>
          </>
        ) : (
          <a href="#/dang-nhap">Đăng nhập</a>
        )}
      </div>
    </header>
  );
}

function App() {
  const [parts, setParts] = useState(route());
  useEffect(() => {
    const on = () => {
      setParts(route());
      window.scrollTo(0, 0);
    };
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const [page, arg] = parts;
  const signedIn = session() !== null;
  const needs = (el: preact.JSX.Element) => (signedIn ? el : <SignIn back={location.hash} />);
  let body: preact.JSX.Element;
  switch (page) {
    case "phan-anh":
      body = <PublicReport id={arg ?? ""} />;
      break;
    case "ban-do":
      body = <PublicMap />;
      break;
    case "dang-nhap":
      body = <SignIn back="#/hop-viec" />;
      break;
    case "xu-ly":
      body = needs(<ReportPage id={arg ?? ""} key={arg} />);
      break;
    case "tat-ca":
      body = needs(<AllReports />);
      break;
    case "thong-ke":
      body = needs(<Stats />);
      break;
    default:
      body = needs(<Queue />);
  }
  return (
    <>
      <Nav path={parts.join("/")} />
      <main id="main">{body}</main>
    </>
  );
}

async function start() {
  try {
    const response = await fetch("/config.json", { cache: "no-store" });
    if (response.ok) config = (await response.json()) as ConsoleConfig;
  } catch {
    /* keep the defaults: same origin, no tiles */
  }
  setApiBase(config.api_base || "");
  if (config.auth === "cognito") await finishCognito(config);
  const root = document.getElementById("app")!;
  root.textContent = ""; // the static "Đang tải…" placeholder
  render(<App />, root);
}

void start();
