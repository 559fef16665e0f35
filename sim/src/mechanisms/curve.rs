//! A piecewise-linear payout curve with exact normal moments.

use crate::normal::{piecewise_moments, piecewise_value, Normal, Piece};

/// A piecewise-linear function of attainment (zero where no piece applies).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PayoutCurve {
    pieces: Vec<Piece>,
}

impl PayoutCurve {
    /// A curve from non-overlapping pieces.
    pub fn new(pieces: Vec<Piece>) -> Self {
        PayoutCurve { pieces }
    }

    /// The value of the curve at `x`.
    pub fn value(&self, x: f64) -> f64 {
        piecewise_value(&self.pieces, x)
    }

    /// Expected value and variance of the curve at a normal `x`.
    pub fn moments(&self, x: Normal) -> (f64, f64) {
        piecewise_moments(&self.pieces, x)
    }

    /// The curve's pieces.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Caps a non-decreasing curve at `cap`, splitting any piece that crosses it.
    pub fn capped(self, cap: f64) -> Self {
        let mut out = Vec::with_capacity(self.pieces.len() + 1);
        for p in self.pieces {
            if p.slope <= 0.0 {
                out.push(Piece {
                    intercept: p.intercept.min(cap),
                    ..p
                });
                continue;
            }
            let x_cap = (cap - p.intercept) / p.slope;
            if x_cap <= p.from {
                out.push(Piece {
                    intercept: cap,
                    slope: 0.0,
                    ..p
                });
            } else if x_cap >= p.to {
                out.push(p);
            } else {
                out.push(Piece { to: x_cap, ..p });
                out.push(Piece {
                    from: x_cap,
                    to: p.to,
                    intercept: cap,
                    slope: 0.0,
                });
            }
        }
        PayoutCurve { pieces: out }
    }
}
