/**
 * Complete IoU of two xyxy boxes, Ultralytics `bbox_iou(box1, box2, xywh=False, CIoU=True)`
 * (ultralytics/utils/metrics.py), in f64, with its gradient with respect to box1:
 *
 *   w1 = x2 − x1, h1 = y2 − y1 + eps (the same for box2), eps = 1e-7
 *   inter = max(min(x2, X2) − max(x1, X1), 0) · max(min(y2, Y2) − max(y1, Y1), 0)
 *   union = w1·h1 + w2·h2 − inter + eps,  iou = inter / union
 *   c2 = cw² + ch² + eps (the enclosing box's diagonal), rho2 = |centre1 − centre2|²
 *   v = 4/π² · (atan(w2/h2) − atan(w1/h1))²,  alpha = v / (v − iou + 1 + eps)  (under no_grad)
 *   CIoU = iou − (rho2/c2 + v·alpha)
 *
 * The gradient follows torch's autograd: alpha is a constant, clamp(0) passes the gradient at
 * exactly 0 (torch's `self >= min` mask), and min/max split it in halves on ties.
 */

export type Xyxy = readonly [number, number, number, number];

const EPS = 1e-7;
const K = 4 / Math.PI ** 2;

/** CIoU(box1, box2); `grad` (4 values) receives g · ∂CIoU/∂box1 added to it, when given. */
export function ciou(b1: Xyxy, b2: Xyxy, grad?: number[], g = 1): number {
  const [x1, y1, x2, y2] = b1;
  const [X1, Y1, X2, Y2] = b2;
  const w1 = x2 - x1;
  const h1 = y2 - y1 + EPS;
  const w2 = X2 - X1;
  const h2 = Y2 - Y1 + EPS;
  const iw = Math.min(x2, X2) - Math.max(x1, X1);
  const ih = Math.min(y2, Y2) - Math.max(y1, Y1);
  const riw = Math.max(iw, 0);
  const rih = Math.max(ih, 0);
  const inter = riw * rih;
  const union = w1 * h1 + w2 * h2 - inter + EPS;
  const iou = inter / union;
  const cw = Math.max(x2, X2) - Math.min(x1, X1);
  const ch = Math.max(y2, Y2) - Math.min(y1, Y1);
  const c2 = cw * cw + ch * ch + EPS;
  const sx = X1 + X2 - x1 - x2;
  const sy = Y1 + Y2 - y1 - y2;
  const rho2 = (sx * sx + sy * sy) / 4;
  const da = Math.atan(w2 / h2) - Math.atan(w1 / h1);
  const v = K * da * da;
  const alpha = v / (v - iou + (1 + EPS));
  const out = iou - (rho2 / c2 + v * alpha);
  if (!grad) return out;

  // d/d(min(a, b)) w.r.t. a, and d/d(max(a, b)) w.r.t. a: 1, ½ on a tie, 0.
  const lt = (a: number, b: number) => (a < b ? 1 : a === b ? 0.5 : 0);
  const gt = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0);
  const dIou = g;
  const dRho2 = -g / c2;
  const dC2 = (g * rho2) / (c2 * c2);
  const dV = -g * alpha;
  // iou = inter / (A1 + A2 − inter + eps)
  const dInter = dIou * (1 / union + inter / (union * union));
  const dA1 = (-dIou * inter) / (union * union);
  let dw1 = dA1 * h1;
  let dh1 = dA1 * w1;
  // v = K·(atan(w2/h2) − atan(w1/h1))²
  const dAtan1 = -2 * K * da * dV;
  const r = w1 * w1 + h1 * h1;
  dw1 += (dAtan1 * h1) / r;
  dh1 -= (dAtan1 * w1) / r;
  let dx1 = -dw1;
  let dx2 = dw1;
  let dy1 = -dh1;
  let dy2 = dh1;
  // inter = clamp(iw, 0) · clamp(ih, 0)
  const dIw = iw >= 0 ? dInter * rih : 0;
  const dIh = ih >= 0 ? dInter * riw : 0;
  dx2 += dIw * lt(x2, X2);
  dx1 -= dIw * gt(x1, X1);
  dy2 += dIh * lt(y2, Y2);
  dy1 -= dIh * gt(y1, Y1);
  // c2 = cw² + ch² + eps
  const dCw = dC2 * 2 * cw;
  const dCh = dC2 * 2 * ch;
  dx2 += dCw * gt(x2, X2);
  dx1 -= dCw * lt(x1, X1);
  dy2 += dCh * gt(y2, Y2);
  dy1 -= dCh * lt(y1, Y1);
  // rho2 = (sx² + sy²)/4, sx = X1 + X2 − x1 − x2
  const dSx = (dRho2 * sx) / 2;
  const dSy = (dRho2 * sy) / 2;
  dx1 -= dSx;
  dx2 -= dSx;
  dy1 -= dSy;
  dy2 -= dSy;
  grad[0] += dx1;
  grad[1] += dy1;
  grad[2] += dx2;
  grad[3] += dy2;
  return out;
}
