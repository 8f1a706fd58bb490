/**
 * The layout for large graphs, computed on the element definitions before
 * cytoscape sees them, in linear time: the hubs (nodes most connections go
 * through — CoreDNS's namespace, the ingress controller, the internet) in a first
 * row drawn larger, then every other top-level node in name order, shelf-packed to
 * the screen's aspect ratio; an open namespace is a cell holding its workloads in a
 * grid. fCoSE takes seconds here, and its fast spectral mode collapses the
 * hub-and-spoke graphs that namespace level usually is.
 *
 * Placing nodes before they are added, and fitting the viewport to the extent
 * computed here, spares cytoscape a layout pass and a bounding-box pass over every
 * edge: on a 500-namespace cluster that was most of the time to the first picture.
 * No DOM here: the sizes come from `data.w` / `data.h`.
 */
import type { ElementDefinition } from 'cytoscape';

const GAP = 24;
export const HUB_SCALE = 3;
/** Room the border takes around a node's `w` × `h`. */
const BORDER = 6;

export interface Extent {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

interface Cell {
  w: number;
  h: number;
  readonly cols: number;
  readonly cw: number;
  readonly ch: number;
}

const isEdge = (el: ElementDefinition): boolean => el.group === 'edges';
const classesOf = (el: ElementDefinition): string => (typeof el.classes === 'string' ? el.classes : '');

/**
 * Sets `position` on every node that is not a parent (parents take their
 * children's bounds) and marks the hubs (`hub` class, sizes × HUB_SCALE). Returns
 * the extent of what was placed.
 */
export function gridPositions(elements: ElementDefinition[], aspect: number): Extent {
  const nodes = elements.filter((el) => !isEdge(el));
  const children = new Map<string, ElementDefinition[]>();
  for (const n of nodes) {
    const parent: unknown = n.data['parent'];
    if (typeof parent !== 'string') continue;
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(n);
  }
  const degree = new Map<string, number>();
  for (const el of elements) {
    if (!isEdge(el)) continue;
    for (const end of [el.data['source'], el.data['target']]) if (typeof end === 'string') degree.set(end, (degree.get(end) ?? 0) + 1);
  }
  const outerW = (n: ElementDefinition): number => Number(n.data['w'] ?? 40) + BORDER;
  const outerH = (n: ElementDefinition): number => Number(n.data['h'] ?? 30) + BORDER;
  const tops = nodes.filter((n) => typeof n.data['parent'] !== 'string');
  const degreeOf = (n: ElementDefinition): number => {
    const kids = children.get(n.data.id!);
    return kids ? kids.reduce((s, k) => s + (degree.get(k.data.id!) ?? 0), 0) : (degree.get(n.data.id!) ?? 0);
  };
  const cells = new Map<ElementDefinition, Cell>();
  for (const n of tops) {
    const kids = children.get(n.data.id!);
    if (!kids) {
      cells.set(n, { w: outerW(n), h: outerH(n), cols: 0, cw: 0, ch: 0 });
      continue;
    }
    const cols = Math.ceil(Math.sqrt(kids.length));
    const cw = Math.max(...kids.map(outerW)) + GAP / 2;
    const ch = Math.max(...kids.map(outerH)) + GAP / 2;
    cells.set(n, { w: cols * cw + 30, h: Math.ceil(kids.length / cols) * ch + 44, cols, cw, ch });
  }
  const hubLimit = Math.max(10, tops.length * 0.2);
  const hubs = tops.filter((n) => degreeOf(n) >= hubLimit).sort((a, b) => degreeOf(b) - degreeOf(a));
  // Hubs are drawn large enough to read when the whole graph is on screen.
  for (const n of hubs) {
    if (children.has(n.data.id!)) continue;
    const cell = cells.get(n)!;
    n.classes = `${classesOf(n)} hub`;
    n.data['w'] = Number(n.data['w'] ?? 40) * HUB_SCALE;
    n.data['h'] = Number(n.data['h'] ?? 30) * HUB_SCALE;
    cell.w *= HUB_SCALE;
    cell.h *= HUB_SCALE;
  }
  const hubSet = new Set(hubs);
  const sortKey = (n: ElementDefinition): string => `${n.data['kind'] === 'namespace' ? 1 : 0}${String(n.data['label'] ?? '')}`;
  const rest = tops.filter((n) => !hubSet.has(n)).sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));

  let area = 0;
  for (const c of cells.values()) area += (c.w + GAP) * (c.h + GAP);
  const width = Math.max(Math.sqrt(area * Math.max(0.1, aspect)), ...[...cells.values()].map((c) => c.w));
  let maxX = 0;
  const place = (n: ElementDefinition, x: number, y: number): void => {
    const cell = cells.get(n)!;
    maxX = Math.max(maxX, x + cell.w);
    const kids = children.get(n.data.id!);
    if (!kids) {
      n.position = { x: x + cell.w / 2, y: y + cell.h / 2 };
      return;
    }
    kids.forEach((k, i) => {
      k.position = { x: x + 15 + (i % cell.cols) * cell.cw + cell.cw / 2, y: y + 34 + Math.floor(i / cell.cols) * cell.ch + cell.ch / 2 };
    });
  };

  let y = 0;
  // Hubs: one centred row above the rest.
  const hubWidth = hubs.reduce((w, n) => w + cells.get(n)!.w + GAP * 4, 0);
  let x = Math.max(0, (width - hubWidth) / 2);
  let rowH = 0;
  for (const n of hubs) {
    place(n, x, y);
    x += cells.get(n)!.w + GAP * 4;
    rowH = Math.max(rowH, cells.get(n)!.h);
  }
  if (hubs.length > 0) y += rowH + GAP * 6;
  x = 0;
  rowH = 0;
  for (const n of rest) {
    const cell = cells.get(n)!;
    if (x > 0 && x + cell.w > width) {
      x = 0;
      y += rowH + GAP;
      rowH = 0;
    }
    place(n, x, y);
    x += cell.w + GAP;
    rowH = Math.max(rowH, cell.h);
  }
  return { x1: 0, y1: 0, x2: maxX, y2: y + rowH };
}

/** The zoom and pan that show `extent` whole in a `width` × `height` viewport with `padding` around it. */
export function fitViewport(extent: Extent, width: number, height: number, padding: number, minZoom: number, maxZoom: number): { zoom: number; pan: { x: number; y: number } } {
  const w = Math.max(1, extent.x2 - extent.x1);
  const h = Math.max(1, extent.y2 - extent.y1);
  const zoom = Math.min(maxZoom, Math.max(minZoom, Math.min((width - 2 * padding) / w, (height - 2 * padding) / h)));
  return { zoom, pan: { x: (width - zoom * (extent.x1 + extent.x2)) / 2, y: (height - zoom * (extent.y1 + extent.y2)) / 2 } };
}
