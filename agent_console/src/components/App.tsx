import { useStore } from "../store";
import { Console } from "./Console";
import { Login } from "./Login";

export function App() {
  const phase = useStore((s) => s.phase);
  if (phase === "booting") return <div class="boot" aria-busy="true" />;
  return phase === "login" ? <Login /> : <Console />;
}
