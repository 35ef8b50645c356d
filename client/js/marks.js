/**
 * Marks drawn on a photo — circles, arrows, a few words — as plain data, and their rendering on
 * any 2D canvas context (the editor's canvas, or the full-resolution one that makes the JPEG).
 * No DOM: the editor in ui/mark-editor.js turns pointer events into calls here.
 *
 * A shape's points are fractions of the photo's width and height (0…1), so the same shapes draw
 * alike on a phone-sized preview and on the stored 2048 px photo; line widths and the font grow
 * with the photo's long edge, so they are as easy to see on the small screen as in the report.
 */
export const TOOLS = ['ellipse', 'arrow', 'text'];
export const COLOURS = Object.freeze({ red: '#e53935', yellow: '#ffd600' });
export const MAX_TEXT = 40; // "a few words"
const MIN_SIZE = 0.02; // a drag shorter than this (of the long edge) was a tap, not a shape

/** Line width in pixels of a photo ``width``×``height``: about 1 % of its long edge. */
export const lineWidth = (width, height) => Math.max(3, Math.round(Math.max(width, height) / 100));

/** Font size in pixels of a photo ``width``×``height``. */
export const fontSize = (width, height) => Math.max(14, Math.round(Math.max(width, height) / 18));

const clip = (value) => Math.min(1, Math.max(0, value));

/** Return a point of the photo (fractions) from a position inside a ``box`` ``{left, top, width, height}``. */
export function pointIn(box, x, y) {
  return { x: clip((x - box.left) / box.width), y: clip((y - box.top) / box.height) };
}

/**
 * Return the shape a tool makes from ``from`` to ``to`` (a text is placed at ``to``), or null
 * when it would be nothing: a circle or arrow too small to see, a text without words.
 */
export function shape(tool, colour, from, to, text = '') {
  if (tool === 'text') {
    const words = text.trim().slice(0, MAX_TEXT);
    return words ? { tool, colour, x: to.x, y: to.y, text: words } : null;
  }
  if (!TOOLS.includes(tool)) return null;
  if (Math.hypot(to.x - from.x, to.y - from.y) < MIN_SIZE) return null;
  return { tool, colour, x0: from.x, y0: from.y, x1: to.x, y1: to.y };
}

function ellipse(context, s, width, height) {
  const cx = ((s.x0 + s.x1) / 2) * width;
  const cy = ((s.y0 + s.y1) / 2) * height;
  const rx = Math.max(1, (Math.abs(s.x1 - s.x0) * width) / 2);
  const ry = Math.max(1, (Math.abs(s.y1 - s.y0) * height) / 2);
  context.beginPath();
  context.ellipse(cx, cy, rx, ry, 0, 0, 2 * Math.PI);
  context.stroke();
}

function arrow(context, s, width, height, line) {
  const [x0, y0, x1, y1] = [s.x0 * width, s.y0 * height, s.x1 * width, s.y1 * height];
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const head = Math.min(line * 5, Math.hypot(x1 - x0, y1 - y0) / 2);
  context.beginPath();
  context.moveTo(x0, y0);
  context.lineTo(x1, y1);
  for (const side of [-1, 1]) {
    context.moveTo(x1, y1);
    context.lineTo(x1 - head * Math.cos(angle + side * 0.45), y1 - head * Math.sin(angle + side * 0.45));
  }
  context.stroke();
}

function words(context, s, width, height, line) {
  const size = fontSize(width, height);
  context.font = `bold ${size}px system-ui, sans-serif`;
  context.textBaseline = 'middle';
  // Keep the words on the photo: shift them left when they would run off its right edge.
  const x = Math.max(0, Math.min(s.x * width, width - context.measureText(s.text).width - line));
  const y = Math.min(height - size / 2, Math.max(size / 2, s.y * height));
  context.lineWidth = Math.max(2, line * 0.6);
  context.strokeStyle = '#000'; // a dark outline keeps light words readable on a light wall
  context.strokeText(s.text, x, y);
  context.fillText(s.text, x, y);
}

/** Draw ``shapes`` over whatever ``context`` holds, for a photo ``width``×``height`` pixels. */
export function render(context, shapes, width, height) {
  const line = lineWidth(width, height);
  for (const s of shapes) {
    const colour = COLOURS[s.colour] ?? COLOURS.red;
    context.save();
    Object.assign(context, { strokeStyle: colour, fillStyle: colour, lineWidth: line, lineCap: 'round', lineJoin: 'round' });
    if (s.tool === 'ellipse') ellipse(context, s, width, height);
    else if (s.tool === 'arrow') arrow(context, s, width, height, line);
    else if (s.tool === 'text') words(context, s, width, height, line);
    context.restore();
  }
}
