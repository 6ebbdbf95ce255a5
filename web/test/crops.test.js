// service/static/hasher/crops.js against hashing/crops.py: the same rules (photos' and video
// frames'), the same size limit and the same boxes for every size up to 90x90 and many larger and odd ones, so the page cuts
// the pixels the CLI cuts (tests/browser/test_hasher_parity.py then compares the hashes).

import assert from "node:assert/strict";
import { test } from "node:test";

import { CROP_RULES, MIN_CROP_SIDE, VIDEO_CROP_RULES, cropBoxes, videoCropBoxes } from "../../service/static/hasher/crops.js";
import { printedByPython } from "./reference.js";

const python = JSON.parse(printedByPython("--crop-boxes"));

test("the page's crop rules are hashing/crops.py CROP_RULES, in the same order", () => {
  assert.deepEqual(CROP_RULES, python.rules);
  assert.equal(MIN_CROP_SIDE, python.min_side);
});

test("the page cuts the boxes crop_boxes cuts, and leaves out the ones it leaves out", () => {
  for (const [width, height, boxes] of python.boxes) {
    assert.deepEqual(cropBoxes(width, height), boxes, `${width}x${height}`);
  }
  assert.ok(python.boxes.length > 10_000);
});

test("the page's video crop rules are hashing/crops.py VIDEO_CROP_RULES, in the same order", () => {
  assert.deepEqual(VIDEO_CROP_RULES, python.video_rules);
});

test("the page cuts a video frame's boxes as video_crop_boxes does, null where it cuts none", () => {
  for (const [width, height, boxes] of python.video_boxes) {
    assert.deepEqual(videoCropBoxes(width, height), boxes, `${width}x${height}`);
  }
  // Small frames lose some crops and keep others: the table is not all boxes or all nulls.
  const kept = python.video_boxes.map(([, , boxes]) => boxes.filter(Boolean).length);
  assert.ok(kept.includes(0) && kept.includes(VIDEO_CROP_RULES.length) && kept.some((n) => n > 0 && n < 6));
});
