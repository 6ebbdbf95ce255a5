// Crops of the victim's image, a port of hashing/crops.py: a leak cropped by its uploader
// lands near one of them, which a global hash of the whole image would miss. The boxes are
// integer arithmetic on the image's size, so the page cuts exactly the pixels the CLI cuts.
// The table is hashing/crops.py CROP_RULES copied, not generated: web/test/crops.test.js
// compares it, and the boxes it gives for thousands of sizes, with Python's.

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
  const boxes = [];
  for (const [name, left, top, right, bottom] of CROP_RULES) {
    const box = [part(width, left), part(height, top), width - part(width, right), height - part(height, bottom)];
    const whole = box[0] === 0 && box[1] === 0 && box[2] === width && box[3] === height;
    if (!whole && box[2] - box[0] >= MIN_CROP_SIDE && box[3] - box[1] >= MIN_CROP_SIDE) boxes.push([name, box]);
  }
  return boxes;
}
