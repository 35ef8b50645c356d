/**
 * Handwriting as strokes: capture, undo/redo, bounds, and drawing with smooth curves onto any 2D
 * context (an on-screen canvas or an OffscreenCanvas). No DOM: the signature pad
 * (ui/signature-pad.js) feeds it pointer positions in CSS pixels; signatures.js exports it.
 *
 * Smoothing: a stroke is drawn as quadratic curves through the midpoints of its sampled points,
 * with the samples as control points — round joins, no corners from a finger's jitter. Points
 * closer than ``MIN_STEP`` to the last one are dropped, so a resting finger adds nothing.
 */

export const LINE_WIDTH = 3; // CSS px: thick enough to read when printed at signature size
const MIN_STEP = 1.5;

export class Ink {
  constructor(strokes = []) {
    this.strokes = strokes.map((stroke) => stroke.map(([x, y]) => [x, y]));
    this.undone = [];
    this.current = null;
  }

  get empty() {
    return this.strokes.length === 0;
  }

  /** Start a stroke at (x, y); a new stroke forgets what could be redone. */
  begin(x, y) {
    this.current = [[x, y]];
    this.strokes.push(this.current);
    this.undone = [];
  }

  /** Add a point to the stroke in progress; return whether it was kept. */
  extend(x, y) {
    if (!this.current) return false;
    const [lastX, lastY] = this.current[this.current.length - 1];
    if (Math.hypot(x - lastX, y - lastY) < MIN_STEP) return false;
    this.current.push([x, y]);
    return true;
  }

  /** Finish the stroke in progress; return whether there was one. */
  end() {
    const had = this.current !== null;
    this.current = null;
    return had;
  }

  undo() {
    if (this.empty) return false;
    this.undone.push(this.strokes.pop());
    return true;
  }

  redo() {
    if (!this.undone.length) return false;
    this.strokes.push(this.undone.pop());
    return true;
  }

  /** Clear everything; a clear can be undone stroke by stroke with redo. */
  clear() {
    this.undone.push(...this.strokes.reverse());
    this.strokes = [];
  }

  /** Return ``{x, y, width, height}`` around every point (a dot counts), or null when empty. */
  bounds() {
    const points = this.strokes.flat();
    if (!points.length) return null;
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
  }

  /** Return the strokes as plain arrays (to keep in a draft and draw again). */
  toJSON() {
    return this.strokes.map((stroke) => stroke.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]));
  }
}

/** Draw ``strokes`` on ``context``: each point p becomes (p - origin) * scale. */
export function draw(context, strokes, { scale = 1, originX = 0, originY = 0, width = LINE_WIDTH, color = '#111' } = {}) {
  const at = ([x, y]) => [(x - originX) * scale, (y - originY) * scale];
  Object.assign(context, { lineCap: 'round', lineJoin: 'round', strokeStyle: color, fillStyle: color, lineWidth: width * scale });
  for (const stroke of strokes) {
    const points = stroke.map(at);
    context.beginPath();
    if (points.length === 1) {
      context.arc(points[0][0], points[0][1], (width * scale) / 2, 0, 2 * Math.PI);
      context.fill();
      continue;
    }
    context.moveTo(...points[0]);
    for (let i = 1; i < points.length - 1; i += 1) {
      const [x, y] = points[i];
      const [nextX, nextY] = points[i + 1];
      context.quadraticCurveTo(x, y, (x + nextX) / 2, (y + nextY) / 2);
    }
    context.lineTo(...points[points.length - 1]);
    context.stroke();
  }
}

/**
 * Return how to draw the ink trimmed to its bounds (plus a margin) into an image of at most
 * ``maxWidth`` × ``maxHeight`` pixels, at ``density`` pixels per CSS pixel when it fits:
 * ``{width, height, scale, originX, originY}``.
 */
export function trimmed(ink, { maxWidth = 800, maxHeight = 300, density = 2, margin = 8 } = {}) {
  const box = ink.bounds();
  if (!box) return null;
  const pad = margin + LINE_WIDTH;
  const wide = box.width + 2 * pad;
  const high = box.height + 2 * pad;
  const scale = Math.min(density, maxWidth / wide, maxHeight / high);
  return {
    width: Math.max(1, Math.round(wide * scale)),
    height: Math.max(1, Math.round(high * scale)),
    scale,
    originX: box.x - pad,
    originY: box.y - pad,
  };
}
