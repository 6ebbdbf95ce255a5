// Crops of the victim's image, a port of hashing/crops.py: a leak cropped by its uploader
// lands near one of them, which a global hash of the whole image would miss. The boxes are
// integer arithmetic on the image's size, so the page cuts exactly the pixels the CLI cuts.
// The tables are hashing/crops.py CROP_RULES and VIDEO_CROP_RULES copied, not generated:
// web/test/crops.test.js compares them, and the boxes they give for thousands of sizes, with
// Python's.

// [name, left, top, right, bottom]: thousandths of the width or height cut from each edge.
export const CROP_RULES = [
  ["centre_3", 30, 30, 30, 30],
  ["centre_8", 80, 80, 80, 80],
  ["centre_13", 130, 130, 130, 130],
  ["left_8", 80, 0, 0, 0],
  ["top_8", 0, 80, 0, 0],
  ["right_8", 0, 0, 80, 0],
  ["bottom_8", 0, 0, 0, 80],
];

// A video's frames: centre crops every 2 % per edge (hashing/crops.py says why).
export const VIDEO_CROP_RULES = [
  ["centre_2", 20, 20, 20, 20],
  ["centre_4", 40, 40, 40, 40],
  ["centre_6", 60, 60, 60, 60],
  ["centre_8", 80, 80, 80, 80],
  ["centre_10", 100, 100, 100, 100],
  ["centre_12", 120, 120, 120, 120],
];

export const MIN_CROP_SIDE = 32;

// Python's size * thousandths // 1000. Exact: the product stays far below 2**53, and a
// quotient of such integers never rounds up to the next integer.
const part = (size, thousandths) => Math.floor((size * thousandths) / 1000);

/**
 * Each rule's name and [left, top, right, bottom) box for an image of this size, as
 * hashing/crops.py crop_boxes gives them: leaving out boxes that cut nothing and boxes with a
 * side under MIN_CROP_SIDE.
 * @returns {[string, number[]][]}
 */
export function cropBoxes(width, height) {
  return CROP_RULES.map((rule) => [rule[0], ruleBox(rule, width, height)]).filter(([, box]) => box);
}

/**
 * Each VIDEO_CROP_RULES box for a frame of this size, in the rules' order, as hashing/crops.py
 * video_crop_boxes gives them: null where the rule cuts nothing or leaves too little to hash.
 * @returns {(number[] | null)[]}
 */
export function videoCropBoxes(width, height) {
  return VIDEO_CROP_RULES.map((rule) => ruleBox(rule, width, height));
}

// The rule's [left, top, right, bottom) box, or null when it is the whole image or too small.
function ruleBox([, left, top, right, bottom], width, height) {
  const box = [part(width, left), part(height, top), width - part(width, right), height - part(height, bottom)];
  const whole = box[0] === 0 && box[1] === 0 && box[2] === width && box[3] === height;
  return !whole && box[2] - box[0] >= MIN_CROP_SIDE && box[3] - box[1] >= MIN_CROP_SIDE ? box : null;
}
