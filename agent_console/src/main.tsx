import { render } from "preact";
import "./styles/base.css";
import "./styles/console.css";
import "./styles/context.css";
import "./styles/desk.css";
import "./styles/admin.css";
import "./styles/search.css";
import "./styles/dashboard.css";
import { App } from "./components/App";
import { boot } from "./session";

const root = document.getElementById("app");
if (root) {
  render(<App />, root);
  void boot();
}
