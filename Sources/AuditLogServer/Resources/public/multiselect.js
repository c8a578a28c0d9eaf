// A filter dropdown: a button that shows how many values are chosen, and a menu with a search box
// and a checkbox per option, grouped when options have groups. Keyboard: Enter, Space or
// ArrowDown opens; arrows move between the search box and the options; Space or Enter ticks;
// Escape closes and returns to the button.
//
// Options come from `load(query)`, which returns [{value, label, sub?, group?}] — from memory
// (actions, workspaces) or from the server (actors, debounced); `sub` is a text or a list of
// texts. Chosen options stay listed, under "Selected", while the search shows others. Labels
// and subs are shown as text from outside (outside-text.js): an actor's or a workspace's name
// is whatever an event's sender wrote.
import { outsideText } from "./outside-text.js";

let nextId = 0;

export class MultiSelect {
  constructor(root, { label, searchLabel, load, debounce = 0, onChange }) {
    this.root = root;
    this.label = label;
    this.load = load;
    this.debounce = debounce;
    this.onChange = onChange;
    this.values = [];
    this.known = new Map(); // value → option, so chosen options keep their labels
    this.query = "";
    this.loadToken = 0;
    const id = `multiselect-${nextId++}`;

    this.button = element("button", "select-button", {
      type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": `${id}-menu`,
    });
    this.menu = element("div", "menu", { id: `${id}-menu`, role: "group", "aria-label": `${label} filter` });
    this.menu.hidden = true;
    const searchBox = element("div", "menu-search");
    this.search = element("input", null, {
      type: "search", placeholder: searchLabel, "aria-label": searchLabel, spellcheck: "false",
    });
    searchBox.append(this.search);
    this.list = element("div", "menu-options", { role: "group", "aria-label": `${label} options` });
    const footer = element("div", "menu-footer");
    this.status = element("span", null, { "aria-live": "polite" });
    this.clearButton = element("button", "link-button", { type: "button" });
    this.clearButton.textContent = "Clear";
    footer.append(this.status, this.clearButton);
    this.menu.append(searchBox, this.list, footer);
    root.append(this.button, this.menu);
    this.renderButton();

    this.button.addEventListener("click", () => (this.menu.hidden ? this.open() : this.close(true)));
    this.button.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && this.menu.hidden) {
        event.preventDefault();
        this.open();
      }
    });
    this.search.addEventListener("input", () => this.searchChanged());
    this.clearButton.addEventListener("click", () => {
      this.setValues([]);
      this.onChange(this.values);
      this.search.focus();
    });
    this.menu.addEventListener("keydown", (event) => this.menuKey(event));
    this.list.addEventListener("change", (event) => {
      const box = event.target;
      if (box.type !== "checkbox") return;
      this.toggle(box.value, box.checked);
    });
    document.addEventListener("pointerdown", (event) => {
      if (!this.menu.hidden && !this.root.contains(event.target)) this.close(false);
    });
    this.root.addEventListener("focusout", (event) => {
      if (!this.menu.hidden && event.relatedTarget && !this.root.contains(event.relatedTarget)) this.close(false);
    });
  }

  /** Chooses exactly `values`; `options` may name them (labels of values restored from a URL). */
  setValues(values, options = []) {
    for (const option of options) this.known.set(option.value, option);
    this.values = [...values];
    this.renderButton();
    if (!this.menu.hidden) this.renderOptions(this.lastOptions ?? []);
  }

  open() {
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.search.value = this.query;
    this.refresh();
    this.search.focus();
  }

  close(returnFocus) {
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (returnFocus) this.button.focus();
  }

  toggle(value, on) {
    this.values = on ? [...new Set([...this.values, value])] : this.values.filter((chosen) => chosen !== value);
    this.renderButton();
    this.renderStatus();
    this.onChange(this.values);
  }

  searchChanged() {
    this.query = this.search.value.trim();
    this.list.setAttribute("aria-busy", "true");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), this.debounce);
  }

  async refresh() {
    const token = ++this.loadToken;
    this.list.setAttribute("aria-busy", "true");
    if (this.debounce) this.status.textContent = "Searching…";
    let options;
    try {
      options = await this.load(this.query);
    } catch (error) {
      if (token === this.loadToken) this.status.textContent = error.message;
      return;
    }
    if (token !== this.loadToken) return; // an older search answered late
    for (const option of options) this.known.set(option.value, option);
    this.lastOptions = options;
    this.renderOptions(options);
    if (this.search.value.trim() === this.query) this.list.setAttribute("aria-busy", "false");
  }

  renderButton() {
    this.button.replaceChildren();
    const text = element("span");
    text.textContent = this.label;
    this.button.append(text);
    if (this.values.length) {
      const count = element("span", "count", { "aria-hidden": "true" });
      count.textContent = String(this.values.length);
      const spoken = element("span", "visually-hidden");
      spoken.textContent = `, ${this.values.length} selected`;
      this.button.append(count, spoken);
    }
    const chevron = element("span", "chevron", { "aria-hidden": "true" });
    chevron.textContent = "▾";
    this.button.append(chevron);
  }

  renderStatus() {
    this.status.textContent = this.values.length ? `${this.values.length} selected` : "";
    this.clearButton.hidden = this.values.length === 0;
  }

  renderOptions(options) {
    const listed = new Set(options.map((option) => option.value));
    const chosenElsewhere = this.values.filter((value) => !listed.has(value))
      .map((value) => this.known.get(value) ?? { value, label: value });
    const groups = [];
    if (chosenElsewhere.length) groups.push(["Selected", chosenElsewhere]);
    for (const option of options) {
      const name = option.group ?? "";
      let group = groups.find(([title]) => title === name);
      if (!group) groups.push((group = [name, []]));
      group[1].push(option);
    }
    this.list.replaceChildren();
    for (const [title, members] of groups) {
      if (title) {
        const heading = element("div", "menu-group");
        heading.textContent = title;
        this.list.append(heading);
      }
      for (const option of members) this.list.append(this.optionElement(option));
    }
    if (!options.length && !chosenElsewhere.length) {
      const empty = element("div", "menu-empty");
      if (this.query) empty.append("Nothing matches “", outsideText(this.query), "”.");
      else empty.textContent = "Nothing to choose from yet.";
      this.list.append(empty);
    }
    this.renderStatus();
  }

  optionElement(option) {
    const row = element("label", "option");
    const box = element("input", null, { type: "checkbox", value: option.value });
    box.checked = this.values.includes(option.value);
    const text = element("span", "option-text");
    const main = element("span");
    main.append(outsideText(option.label));
    text.append(main);
    const subs = [option.sub ?? []].flat();
    if (subs.length) {
      const sub = element("span", "option-sub");
      subs.forEach((part, index) => sub.append(...(index ? [" · "] : []), outsideText(part)));
      text.append(sub);
    }
    if (option.description) row.title = option.description;
    row.append(box, text);
    return row;
  }

  menuKey(event) {
    const boxes = [...this.list.querySelectorAll("input[type=checkbox]")];
    const stops = [this.search, ...boxes];
    const index = stops.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      this.close(true);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = index + (event.key === "ArrowDown" ? 1 : -1);
      stops[Math.max(0, Math.min(stops.length - 1, next))]?.focus();
    } else if (event.key === "Enter" && event.target.type === "checkbox") {
      event.preventDefault();
      event.target.click();
    } else if (event.key === "Enter" && event.target === this.search && boxes.length) {
      event.preventDefault();
      boxes[0].focus();
    }
  }
}

function element(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}
