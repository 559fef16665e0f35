//! Deals that move (docs/model.md section 8.8): at the close of a cycle a rep may pull
//! deals of the next periods into the cycle at a price discount, or push the cycle's
//! last deals into the next cycle at a chance of losing them, choosing the shift that
//! most raises its pay now plus the certainty equivalent of the next cycle's pay.

use crate::scenario::DealTimingSection;

/// Steps of each direction's choice: a rep moves 1/STEPS, 2/STEPS, ... of the most it may.
pub const STEPS: u32 = 4;

/// A rep's gain from a shift must exceed this share of the revenue moved: below it a
/// gain is rounding (a linear plan's exact zero), and no deal moves.
pub const MIN_GAIN: f64 = 1e-9;

/// The timing games of `[team.deal_timing]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DealTiming {
    /// Price discount on a pulled deal.
    pub pull_discount: f64,
    /// Chance a pushed deal is lost (an expected haircut: no draw).
    pub push_loss: f64,
    /// Most of the next window's expected deal revenue that can be pulled.
    pub max_pull_share: f64,
    /// Most of the cycle's last window's deal revenue that can be pushed.
    pub max_push_share: f64,
    /// Periods on each side of a cycle's end whose deals can move.
    pub window: u32,
}

/// A rep's shift at a cycle's close: shares of the pipeline pulled in and of the
/// window's deals pushed out (at most one of them is positive).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Shift {
    /// Share of the next window's expected deal revenue pulled into this cycle.
    pub pull: f64,
    /// Share of this cycle's last window's deal revenue pushed into the next.
    pub push: f64,
}

/// Revenue a shift moves: credited to this cycle (negative for a push) and to the next
/// (negative for a pull).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moved {
    /// Revenue added to this cycle (a pull, net of its discount) or taken from it (a push).
    pub now: f64,
    /// Revenue added to the next cycle (a push, net of its expected loss) or taken from
    /// it (a pull, at its full price).
    pub next: f64,
    /// Deal revenue pulled in (before the discount).
    pub pulled: f64,
    /// Deal revenue pushed out (before the loss).
    pub pushed: f64,
}

impl Moved {
    /// Revenue the firm loses: the discount on pulled deals and the pushed deals lost.
    pub fn lost(&self, t: &DealTiming) -> f64 {
        t.pull_discount * self.pulled + t.push_loss * self.pushed
    }
}

impl DealTiming {
    /// The rule of a scenario's `[team.deal_timing]`.
    pub fn new(s: &DealTimingSection) -> Self {
        DealTiming {
            pull_discount: s.pull_discount,
            push_loss: s.push_loss,
            max_pull_share: s.max_pull_share,
            max_push_share: s.max_push_share,
            window: s.window,
        }
    }

    /// What `shift` moves when the cycle's last window booked `window_deals` of deal
    /// revenue and the next window's pipeline is expected to bring `pipeline`.
    pub fn moved(&self, shift: Shift, window_deals: f64, pipeline: f64) -> Moved {
        let pulled = shift.pull * pipeline.max(0.0);
        let pushed = shift.push * window_deals.max(0.0);
        Moved {
            now: (1.0 - self.pull_discount) * pulled - pushed,
            next: (1.0 - self.push_loss) * pushed - pulled,
            pulled,
            pushed,
        }
    }

    /// The shift that maximises `gain(moved)` (pay now plus the next cycle's value,
    /// each less its value without a shift) over no shift, `STEPS` shares of the most
    /// that can be pulled and as many of the most that can be pushed. A shift is chosen
    /// only when it gains more than `MIN_GAIN` of the revenue it moves; ties go to
    /// the smaller shift.
    pub fn choose(
        &self,
        window_deals: f64,
        pipeline: f64,
        gain: impl Fn(&Moved) -> f64,
    ) -> (Shift, Moved) {
        let mut best = (Shift::default(), Moved::default());
        let mut best_gain = 0.0;
        for k in 1..=STEPS {
            let share = k as f64 / STEPS as f64;
            for shift in [
                Shift {
                    pull: share * self.max_pull_share,
                    push: 0.0,
                },
                Shift {
                    pull: 0.0,
                    push: share * self.max_push_share,
                },
            ] {
                let m = self.moved(shift, window_deals, pipeline);
                let size = m.pulled + m.pushed;
                if size <= 0.0 {
                    continue;
                }
                let g = gain(&m);
                if g > best_gain && g > MIN_GAIN * size {
                    best = (shift, m);
                    best_gain = g;
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> DealTiming {
        DealTiming {
            pull_discount: 0.1,
            push_loss: 0.2,
            max_pull_share: 0.5,
            max_push_share: 0.8,
            window: 1,
        }
    }

    #[test]
    fn a_pull_is_credited_net_of_its_discount_and_a_push_net_of_its_loss() {
        let t = rule();
        let pull = t.moved(
            Shift {
                pull: 0.5,
                push: 0.0,
            },
            100.0,
            200.0,
        );
        assert_eq!((pull.now, pull.next, pull.pulled), (90.0, -100.0, 100.0));
        assert_eq!(pull.lost(&t), 10.0);
        let push = t.moved(
            Shift {
                pull: 0.0,
                push: 0.5,
            },
            100.0,
            200.0,
        );
        assert_eq!((push.now, push.next, push.pushed), (-50.0, 40.0, 50.0));
        assert_eq!(push.lost(&t), 10.0);
    }

    /// Under a linear payout with the same rate in both cycles every shift loses the
    /// discount or the expected loss, so nothing moves; a rate higher now pulls the
    /// most, a rate higher next cycle pushes the most.
    #[test]
    fn linear_pay_moves_nothing_and_a_rate_gap_moves_the_most() {
        let t = rule();
        let linear = |now: f64, next: f64| move |m: &Moved| now * m.now + next * m.next;
        assert_eq!(
            t.choose(100.0, 200.0, linear(0.05, 0.05)).0,
            Shift::default()
        );
        let (s, _) = t.choose(100.0, 200.0, linear(0.10, 0.05));
        assert_eq!((s.pull, s.push), (0.5, 0.0));
        let (s, _) = t.choose(100.0, 200.0, linear(0.03, 0.05));
        assert_eq!((s.pull, s.push), (0.0, 0.8));
        // Without discount or loss a linear plan is indifferent: still nothing moves.
        let free = DealTiming {
            pull_discount: 0.0,
            push_loss: 0.0,
            ..t
        };
        assert_eq!(
            free.choose(100.0, 200.0, linear(0.05, 0.05)).0,
            Shift::default()
        );
    }
}
