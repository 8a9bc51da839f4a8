import type { Box } from '../../../kernels/frame';

/**
 * Constant-velocity Kalman filter for one coordinate (state: position, velocity; position is measured).
 * A box filter runs four of them (centre x, centre y, width, height): with the separable motion and noise
 * models SORT and DeepSORT use, this equals one 8-state filter with block-diagonal covariance.
 */
class Kalman1D {
  private x: number;
  private v = 0;
  private p00: number;
  private p01 = 0;
  private p11: number;

  constructor(position: number, positionStd: number, velocityStd: number) {
    this.x = position;
    this.p00 = positionStd ** 2;
    this.p11 = velocityStd ** 2;
  }

  get position(): number {
    return this.x;
  }

  /** Stops the modelled motion (velocity 0), keeping the position. */
  halt(): void {
    this.v = 0;
  }

  predict(dt: number, positionStd: number, velocityStd: number): void {
    this.x += this.v * dt;
    // P = F P F^T + Q with F = [[1, dt], [0, 1]].
    const p00 = this.p00 + dt * (2 * this.p01 + dt * this.p11) + positionStd ** 2 * dt;
    const p01 = this.p01 + dt * this.p11;
    const p11 = this.p11 + velocityStd ** 2 * dt;
    this.p00 = p00;
    this.p01 = p01;
    this.p11 = p11;
  }

  update(measured: number, measurementStd: number): void {
    const s = this.p00 + measurementStd ** 2;
    const k0 = this.p00 / s;
    const k1 = this.p01 / s;
    const innovation = measured - this.x;
    this.x += k0 * innovation;
    this.v += k1 * innovation;
    const p00 = (1 - k0) * this.p00;
    const p01 = (1 - k0) * this.p01;
    const p11 = this.p11 - k1 * this.p01;
    this.p00 = p00;
    this.p01 = p01;
    this.p11 = p11;
  }
}

// Noise relative to the box height, as DeepSORT does, so the filter behaves alike for near and far faces.
const POSITION_STD = 1 / 20;
const VELOCITY_STD = 1 / 160;

/** Constant-velocity Kalman filter over a box (centre, width, height). */
export class BoxKalman {
  private readonly filters: Kalman1D[];

  constructor(box: Box) {
    const [cx, cy, w, h] = toCenter(box);
    const ref = Math.max(1, h);
    this.filters = [cx, cy, w, h].map(
      (v) => new Kalman1D(v, 2 * POSITION_STD * ref, 10 * VELOCITY_STD * ref),
    );
  }

  /** Advances the state by `dt` frames and returns the predicted box. */
  predict(dt: number): Box {
    const ref = Math.max(1, this.filters[3].position);
    for (const f of this.filters) f.predict(dt, POSITION_STD * ref, VELOCITY_STD * ref);
    return this.box();
  }

  /** Corrects the state with a measured box and returns the filtered box. */
  update(box: Box): Box {
    const z = toCenter(box);
    const ref = Math.max(1, z[3]);
    this.filters.forEach((f, i) => f.update(z[i], POSITION_STD * ref));
    return this.box();
  }

  /**
   * Holds the box size from now on until the next update: a face that goes behind something shrinks in
   * its last detections, and extrapolating that would make the prediction vanish while it is hidden.
   */
  holdSize(): void {
    this.filters[2].halt();
    this.filters[3].halt();
  }

  box(): Box {
    const [cx, cy, w, h] = this.filters.map((f) => f.position);
    const hw = Math.max(1, w) / 2;
    const hh = Math.max(1, h) / 2;
    return [cx - hw, cy - hh, cx + hw, cy + hh];
  }
}

function toCenter(b: Box): [number, number, number, number] {
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1]];
}
