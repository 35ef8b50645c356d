/**
 * Zoom and pan for the photo viewer as plain arithmetic, no DOM. A view is ``{scale, x, y}``: the
 * photo scaled about its centre, then moved by (x, y) CSS px. Points are relative to the frame's
 * centre. ``box`` is ``{width, height}`` of the photo as fitted and ``{frameWidth, frameHeight}``.
 */
export const MIN_SCALE = 1;
export const MAX_SCALE = 6;
export const FIT = Object.freeze({ scale: 1, x: 0, y: 0 });
const STEP = 2; // a double tap or a button press zooms by this factor

const within = (value, limit) => Math.min(limit, Math.max(-limit, value));

/** Keep the scale in range and the photo over the frame: no panning past its edges. */
export function clamp(view, box) {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale));
  const limitX = Math.max(0, (box.width * scale - box.frameWidth) / 2);
  const limitY = Math.max(0, (box.height * scale - box.frameHeight) / 2);
  return { scale, x: within(view.x, limitX), y: within(view.y, limitY) };
}

/** Zoom by ``factor`` keeping the photo's spot under ``point`` where it is. */
export function zoomAt(view, factor, point, box) {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const ratio = scale / view.scale;
  return clamp({ scale, x: point.x - (point.x - view.x) * ratio, y: point.y - (point.y - view.y) * ratio }, box);
}

/** Move the photo by (dx, dy). */
export function pan(view, dx, dy, box) {
  return clamp({ scale: view.scale, x: view.x + dx, y: view.y + dy }, box);
}

const midpoint = ([a, b]) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const distance = ([a, b]) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * The view of a two-finger gesture that began at ``from`` (two points) on ``start`` and is now
 * at ``to``: spreading the fingers zooms about where they began, moving them together pans.
 */
export function pinch(start, from, to, box) {
  const before = distance(from);
  if (!before) return start;
  const zoomed = zoomAt(start, distance(to) / before, midpoint(from), box);
  const [c0, c1] = [midpoint(from), midpoint(to)];
  return pan(zoomed, c1.x - c0.x, c1.y - c0.y, box);
}

/** A double tap: zoom in on ``point``, or back to the whole photo when zoomed. */
export function toggle(view, point, box) {
  return view.scale > MIN_SCALE ? { ...FIT } : zoomAt(view, STEP * 1.25, point, box);
}

/** A button press: one step in (``direction`` 1) or out (-1) about the centre. */
export function step(view, direction, box) {
  return zoomAt(view, direction > 0 ? STEP : 1 / STEP, { x: 0, y: 0 }, box);
}
