"""The drum kit on the real Tone.js in Chromium: a piece struck again never asks its sources to
start at or before their last start, which Tone refuses with an uncaught error. Chromium moves
the audio clock on in the middle of a task, so a source started a moment after the kit read the
clock starts later than the time the kit chose."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Route

REPO = Path(__file__).resolve().parents[2]
FILES = {
    "/kit-test/Tone.js": REPO / "node_modules" / "tone" / "build" / "Tone.js",
    "/kit-test/drumkit.js": REPO / "web" / "js" / "music" / "drumkit.js",
}
PAGE = """<!doctype html><title>Kit</title>
<script src="/kit-test/Tone.js"></script>
<script type="module">
import { createDrumKit } from "/kit-test/drumkit.js";
window.createDrumKit = createDrumKit;
</script>"""

# Strikes the closed hat twice at a time already past (late notes). The first strike's noise
# starts only once the audio clock has moved on from where the kit read it, as happens when the
# audio thread renders while the strike runs.
STRIKE_AS_THE_CLOCK_MOVES = """async () => {
  await Tone.start();
  const kit = createDrumKit(Tone, new Tone.Gain(0).toDestination());
  const context = Tone.getContext();
  kit.triggerAttackRelease(42, 0.05, 0, 0.8);  // builds the piece, which takes a while
  await new Promise((resolve) => setTimeout(resolve, 300));
  const attack = Tone.NoiseSynth.prototype.triggerAttack;
  let waited = false;
  Tone.NoiseSynth.prototype.triggerAttack = function (...args) {
    const read = context.currentTime;
    while (!waited && context.currentTime === read) {}  // until the audio thread renders
    waited = true;
    return attack.apply(this, args);
  };
  const errors = [];
  for (let strike = 0; strike < 2; strike++) {
    try {
      kit.triggerAttackRelease(42, 0.05, 0, 0.8);
    } catch (error) {
      errors.push(error.message);
    }
  }
  return errors;
}"""


def serve_from_disk(route: Route) -> None:
    path = route.request.url.split("://", 1)[1].partition("/")[2]
    file = FILES.get("/" + path)
    if file is None:
        route.fulfill(status=200, content_type="text/html", body=PAGE)
    else:
        route.fulfill(status=200, content_type="text/javascript", body=file.read_bytes())


def test_a_piece_struck_again_as_the_audio_clock_moves_on_starts_after_its_last_start(
    page: Page,
):
    page.route("**/kit-test/**", serve_from_disk)
    page.goto("/kit-test/")
    page.wait_for_function("window.createDrumKit !== undefined")
    assert page.evaluate(STRIKE_AS_THE_CLOCK_MOVES) == []
