import "./page.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { memberColor, playedServerMs } from "../../web/js/rooms/jam.js";
import { changeOf, describeChange } from "../../web/js/rooms/jampanel.js";

test("a member keeps one colour on every page, and neighbours differ", () => {
  assert.equal(memberColor(7), memberColor("7"));
  assert.notEqual(memberColor(7), memberColor(8));
  assert.match(memberColor(-3), /^#[0-9a-f]{6}$/);
});

test("a played note's room time is the clock's now, less how long ago it was played", () => {
  const clock = { now: () => 1_000_000 };
  assert.equal(playedServerMs(clock, 480, 500), 999_980);
});

test("the steering form asks for one change: the genre first, else the energy, else none", () => {
  const form = (genre, energy, key = "") => ({
    elements: { genre: { value: genre }, energy: { value: energy }, key: { value: key } },
  });
  assert.deepEqual(changeOf(form("jazz", "calm")), { genre: "jazz" });
  assert.deepEqual(changeOf(form("", "lively")), { energy: "lively" });
  assert.deepEqual(changeOf(form("", "", "D")), { key: "D" });
  assert.equal(changeOf(form("", "")), null);
  assert.equal(describeChange({ genre: "any" }), "genre any style");
  assert.equal(describeChange({ energy: "calm" }), "energy calm");
  assert.equal(describeChange({ key: "Eb" }), "key Eb");
});

test("proposals are tallied: a member's latest proposal for a field is their one vote", async () => {
  const { ProposalTally } = await import("../../web/js/rooms/jampanel.js");
  const tally = new ProposalTally();
  tally.add({ user_id: 1, display_name: "Clara", change: { genre: "jazz" } });
  tally.add({ user_id: 2, display_name: "Robert", change: { genre: "folk" } });
  tally.add({ user_id: 3, display_name: "Johannes", change: { genre: "jazz" } });
  tally.add({ user_id: 2, display_name: "Robert", change: { energy: "calm" } });
  assert.deepEqual(tally.standings(), [
    { change: { genre: "jazz" }, names: ["Clara", "Johannes"] },
    { change: { energy: "calm" }, names: ["Robert"] },
    { change: { genre: "folk" }, names: ["Robert"] },
  ]);
  tally.add({ user_id: 2, display_name: "Robert", change: { genre: "jazz" } }); // changes their mind
  assert.deepEqual(tally.standings()[0].names, ["Clara", "Johannes", "Robert"]);
  tally.clear("genre");
  assert.deepEqual(tally.standings(), [{ change: { energy: "calm" }, names: ["Robert"] }]);
});
