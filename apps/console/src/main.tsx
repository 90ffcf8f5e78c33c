// The console's entry: its styles, then the app rendered into the page's #app.
import { render } from "preact";
import "./styles.css";
import { App } from "./app.js";

const root = document.getElementById("app");
if (root) render(<App />, root);
