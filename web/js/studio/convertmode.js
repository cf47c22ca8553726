// The studio's two modes, Generate and "Convert a MIDI file", as tabs (WAI-ARIA tabs pattern:
// arrow keys, Home and End move between them). `/studio#convert` opens the converter.

/**
 * Binds the `[data-mode-tab]` buttons in `tablist` to the panels they control; calls
 * `onChange(name)` after a switch. Returns {select(name), setLocked(locked)}: a locked tablist
 * keeps the current mode (a stream is playing).
 */
/**
 * @param {HTMLElement} tablist
 * @param {(mode: string) => void} [onChange]
 */
export function bindModeTabs(tablist, onChange = () => {}) {
  const tabs = [...tablist.querySelectorAll("[data-mode-tab]")];
  const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));
  const select = (name, { focus = false } = {}) => {
    for (const tab of tabs) {
      const chosen = tab.dataset.modeTab === name;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
      panelOf(tab).hidden = !chosen;
      if (chosen && focus) tab.focus();
    }
    onChange(name);
  };
  for (const tab of tabs) tab.addEventListener("click", () => select(tab.dataset.modeTab));
  tablist.addEventListener("keydown", (event) => {
    const index = tabs.indexOf(document.activeElement);
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    if (index < 0 || !(event.key in moves)) return;
    event.preventDefault();
    const next = tabs[(moves[event.key] + tabs.length) % tabs.length];
    if (!next.disabled) select(next.dataset.modeTab, { focus: true });
  });
  if (window.location.hash === "#convert") select("convert");
  const setLocked = (locked) => {
    for (const tab of tabs) tab.disabled = locked && tab.getAttribute("aria-selected") !== "true";
  };
  return { select, setLocked };
}
