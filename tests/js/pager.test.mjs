import assert from "node:assert/strict";
import { test } from "node:test";
import { pagerView } from "../../web/js/dashboard/pager.js";

test("a single page hides the pager", () => {
  assert.equal(pagerView({ page: 1, pages: 1 }).hidden, true);
  assert.equal(pagerView({ page: 1, pages: 0 }).hidden, true);
});

test("the first, middle and last pages go only where there is more", () => {
  assert.deepEqual(pagerView({ page: 1, pages: 3 }),
    { hidden: false, label: "Page 1 of 3", canGoNewer: false, canGoOlder: true });
  assert.deepEqual(pagerView({ page: 2, pages: 3 }),
    { hidden: false, label: "Page 2 of 3", canGoNewer: true, canGoOlder: true });
  assert.deepEqual(pagerView({ page: 3, pages: 3 }),
    { hidden: false, label: "Page 3 of 3", canGoNewer: true, canGoOlder: false });
});
