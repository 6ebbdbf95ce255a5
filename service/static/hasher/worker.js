// The hashing worker: files come in from the page, fingerprints go back. It runs off
// the main thread so a 12-megapixel photo does not freeze the page, and it has no
// network code at all; the page alone talks to the service, and only with fingerprints.
// While a file is hashed it reports each stage ({id, stage}); the last message for a file
// is its result ({id, fingerprints, ...}). A video's frames come in one at a time as pixels
// ({id, frame: {rgba, width, height, boxes}}, from video.js on the page) and go back as
// {id, pdq: {hash, quality, crops}}, crops the PDQ of each box (null for a null box).

import { fingerprintFile } from "./fingerprint.js";
import { pdqHash } from "./pdq.js";

// Every module is loaded by now: from here on hashing needs no network at all.
self.postMessage({ ready: true });

self.onmessage = async (event) => {
  const { id, file, frame } = event.data;
  if (frame) {
    try {
      const { rgba, width, height, boxes = [] } = frame;
      const crops = boxes.map((box) => box && pdqHash(rgba, width, height, { channels: 4, box }));
      self.postMessage({ id, pdq: { ...pdqHash(rgba, width, height, { channels: 4 }), crops } });
    } catch (error) {
      self.postMessage({ id, pdq: null, error: String(error) });
    }
    return;
  }
  try {
    const result = await fingerprintFile(file, (stage) => self.postMessage({ id, stage }));
    self.postMessage({ id, ...result });
  } catch (error) {
    self.postMessage({
      id,
      fingerprints: [],
      variants: [],
      crops: 0,
      pdq: null,
      phash: null,
      refused: "read_error",
      error: String(error),
    });
  }
};
