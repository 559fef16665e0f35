//! The forecast of the cycle (docs/model.md section 8.2): a rep's expected revenue
//! and new customers over the rest of a cycle at constant effort, their variances,
//! and the normal forecast of the score.

use super::MAX_CYCLE;
use crate::model::{Kpis, Model, Outcome, Plan, Rep};

/// Sums of a rep's forecast over the rest of a cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Forecast {
    /// Mean revenue.
    pub m_rev: f64,
    /// Variance of revenue.
    pub v_rev: f64,
    /// Variance of revenue without the common market shock.
    pub v_rev_idio: f64,
    /// Mean new customers.
    pub m_nc: f64,
    /// Variance of new customers.
    pub v_nc: f64,
    /// Variance of new customers without the market shock.
    pub v_nc_idio: f64,
    /// Covariance of revenue and new customers.
    pub c_rn: f64,
    /// Covariance without the market shock.
    pub c_rn_idio: f64,
    /// Mean conversions.
    pub m_conv: f64,
    /// Mean first-month revenue of conversions.
    pub m_new_rev: f64,
    /// Variance of first-month revenue of conversions.
    pub v_new_rev: f64,
    /// Mean book at the end of the forecast.
    pub book_end: f64,
    /// Mean sum of the monthly satisfaction scores (only where the plan prices
    /// satisfaction, [`Plan::prices_satisfaction`]; else 0).
    pub m_sat: f64,
    /// Variance of the sum of the monthly satisfaction scores (months independent).
    pub v_sat: f64,
}

impl Forecast {
    pub(super) fn add(&mut self, o: &Forecast) {
        self.m_rev += o.m_rev;
        self.v_rev += o.v_rev;
        self.v_rev_idio += o.v_rev_idio;
        self.m_nc += o.m_nc;
        self.v_nc += o.v_nc;
        self.v_nc_idio += o.v_nc_idio;
        self.c_rn += o.c_rn;
        self.c_rn_idio += o.c_rn_idio;
        self.m_conv += o.m_conv;
        self.m_new_rev += o.m_new_rev;
        self.v_new_rev += o.v_new_rev;
        self.m_sat += o.m_sat;
        self.v_sat += o.v_sat;
    }

    /// The expected KPIs: mean revenue, new customers and the satisfaction scores' sum.
    pub(super) fn expected(&self) -> Kpis {
        Kpis {
            revenue: self.m_rev,
            new_customers: self.m_nc,
            satisfaction: self.m_sat,
        }
    }

    pub(super) fn minus(&self, o: &Forecast) -> Forecast {
        Forecast {
            m_rev: self.m_rev - o.m_rev,
            v_rev: (self.v_rev - o.v_rev).max(0.0),
            v_rev_idio: (self.v_rev_idio - o.v_rev_idio).max(0.0),
            m_nc: self.m_nc - o.m_nc,
            v_nc: (self.v_nc - o.v_nc).max(0.0),
            v_nc_idio: (self.v_nc_idio - o.v_nc_idio).max(0.0),
            c_rn: self.c_rn - o.c_rn,
            c_rn_idio: self.c_rn_idio - o.c_rn_idio,
            m_conv: self.m_conv - o.m_conv,
            m_new_rev: self.m_new_rev - o.m_new_rev,
            v_new_rev: (self.v_new_rev - o.v_new_rev).max(0.0),
            book_end: 0.0,
            m_sat: self.m_sat - o.m_sat,
            v_sat: (self.v_sat - o.v_sat).max(0.0),
        }
    }
}

/// Forecast of one rep over the periods of `productivity` at effort (h, f) under
/// `plan` (which says whether satisfaction's moments are needed).
pub(super) fn forecast(
    model: &Model,
    plan: &Plan,
    productivity: &[f64],
    book: f64,
    h: f64,
    f: f64,
    cv2: f64,
) -> Forecast {
    let service = Service::at(model, plan, f);
    forecast_at(model, plan, productivity, book, h, &service, cv2)
}

/// What a forecast needs of the service effort alone, made once for an effort that
/// many forecasts share (a column of the search's grid): the book's monthly churn
/// and, where the plan prices satisfaction, the monthly score's mean and variance.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Service {
    /// The service effort.
    pub(super) f: f64,
    churn: f64,
    satisfaction: (f64, f64),
}

impl Service {
    /// The terms of service effort `f` under `plan` (zero for the linear-normal model).
    pub(super) fn at(model: &Model, plan: &Plan, f: f64) -> Self {
        match model.outcome() {
            Outcome::Funnel(fun) => Service {
                f,
                churn: fun.churn(f),
                satisfaction: if plan.prices_satisfaction() {
                    fun.satisfaction_moments(f)
                } else {
                    (0.0, 0.0)
                },
            },
            Outcome::LinearNormal { .. } => Service {
                f,
                ..Service::default()
            },
        }
    }
}

/// [`forecast`] at acquisition effort `h` and the service effort of `service`.
pub(super) fn forecast_at(
    model: &Model,
    plan: &Plan,
    productivity: &[f64],
    book: f64,
    h: f64,
    service: &Service,
    cv2: f64,
) -> Forecast {
    let mut out = Forecast::default();
    match model.outcome() {
        Outcome::Funnel(fun) => {
            let q = service.churn;
            let rec = fun.recurring_revenue;
            let d2 = fun.deal_var + fun.deal_mean * fun.deal_mean;
            let mut b = book;
            for &prod in productivity {
                let lam = fun.new_customers_per_effort * prod * h;
                let conv = lam * fun.conversion;
                let new_rev = conv * fun.deal_mean;
                let kept = b * (1.0 - q);
                let rev = kept * rec + new_rev;
                let v_rev_idio = conv * d2 + b * q * (1.0 - q) * rec * rec;
                out.m_rev += rev;
                out.v_rev_idio += v_rev_idio;
                out.v_rev += v_rev_idio + new_rev * new_rev * cv2;
                out.m_nc += lam;
                out.v_nc_idio += lam;
                out.v_nc += lam + lam * lam * cv2;
                let c_idio = fun.conversion * fun.deal_mean * lam;
                out.c_rn_idio += c_idio;
                out.c_rn += c_idio + new_rev * lam * cv2;
                out.m_conv += conv;
                out.m_new_rev += new_rev;
                out.v_new_rev += conv * d2 + new_rev * new_rev * cv2;
                b = kept + conv;
            }
            out.book_end = b;
            if plan.prices_satisfaction() {
                let (m, v) = service.satisfaction;
                let months = productivity.len() as f64;
                out.m_sat = months * m;
                out.v_sat = months * v;
            }
        }
        Outcome::LinearNormal { noise_sd } => {
            for &prod in productivity {
                let y = prod * h;
                out.m_rev += y;
                out.v_rev_idio += noise_sd * noise_sd;
                out.v_rev += noise_sd * noise_sd + y * y * cv2;
            }
        }
    }
    out
}

/// Mean and variance of the plan's score ([`Plan::score`]) of a forecast against `target`.
///
/// Satisfaction's noise is its own (docs/model.md section 12) and not the market's, so
/// its variance adds to the others' and is idiosyncratic.
pub(super) fn score(plan: &Plan, fc: &Forecast, target: Kpis, idio: bool) -> (f64, f64) {
    score_with(plan, fc, &Coefficients::of(plan, target), idio)
}

/// The coefficients of the score against one target ([`Plan::score_coefficients`] and
/// [`Plan::satisfaction_coefficient`]), made once for the many forecasts a search
/// scores against it: a division each, on the path of every evaluation.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Coefficients {
    ar: f64,
    an: f64,
    a_s: f64,
}

impl Coefficients {
    /// The coefficients of the score against `target`.
    pub(super) fn of(plan: &Plan, target: Kpis) -> Self {
        let (ar, an) = plan.score_coefficients(target);
        let a_s = if plan.weight_satisfaction > 0.0 {
            plan.satisfaction_coefficient(target)
        } else {
            0.0
        };
        Coefficients { ar, an, a_s }
    }
}

/// [`score`] against the target whose coefficients are `k`.
pub(super) fn score_with(plan: &Plan, fc: &Forecast, k: &Coefficients, idio: bool) -> (f64, f64) {
    let Coefficients { ar, an, a_s } = *k;
    let (vr, vn, c) = if idio {
        (fc.v_rev_idio, fc.v_nc_idio, fc.c_rn_idio)
    } else {
        (fc.v_rev, fc.v_nc, fc.c_rn)
    };
    let mut mean = ar * fc.m_rev + an * fc.m_nc;
    let mut var = ar * ar * vr + an * an * vn + 2.0 * ar * an * c;
    if plan.weight_satisfaction > 0.0 {
        mean += a_s * fc.m_sat;
        var += a_s * a_s * fc.v_sat;
    }
    (mean, var.max(0.0))
}

/// Productivity of each period of `[t, end)` for a rep with planned skill and tenure.
pub(super) fn productivities(
    model: &Model,
    plan: &Plan,
    rep: &Rep,
    skill: f64,
    tenure: u32,
    t: u32,
    end: u32,
) -> [f64; MAX_CYCLE] {
    let mut out = [0.0; MAX_CYCLE];
    for (i, s) in (t..end).enumerate() {
        let training = plan
            .training
            .as_ref()
            .filter(|tr| tr.in_period(s))
            .map_or(0.0, |tr| tr.time_share * tr.share);
        out[i] = rep.ability
            * skill
            * model.rules().ramp(tenure + i as u32)
            * model.market().season_at(s)
            * (1.0 - training);
    }
    out
}

/// The shorter cycles over the rest of the plan's cycle, for a plan with two cycles
/// (docs/model.md section 8.2): the rest of the current shorter cycle, then each
/// whole one to the plan cycle's end, each with its own targets.
#[derive(Clone, Copy, Debug)]
pub(super) struct ShortCycles {
    /// Number of shorter cycles over the rest of the plan's cycle.
    pub(super) count: usize,
    /// Each one's end, in periods from now.
    pub(super) ends: [usize; MAX_CYCLE],
    /// Each one's targets.
    pub(super) targets: [Kpis; MAX_CYCLE],
    /// The plan cycle's attainment so far (the policy table's second axis).
    pub(super) long_so_far: f64,
}

impl ShortCycles {
    /// The shorter cycles (of `short_len` periods) of rep `rep` from period `t` to the
    /// plan cycle's end `end`, with their targets from [`Model::cycle_targets`].
    pub(super) fn new(model: &Model, rep: &Rep, short_len: u32, t: u32, end: u32) -> Self {
        let mut out = ShortCycles {
            count: 0,
            ends: [0; MAX_CYCLE],
            targets: [Kpis::ZERO; MAX_CYCLE],
            long_so_far: 0.0,
        };
        let mut from = (t / short_len) * short_len;
        while from < end {
            let to = (from + short_len).min(end);
            out.ends[out.count] = (to - t) as usize;
            out.targets[out.count] = model.cycle_targets(rep, from, to, None);
            out.count += 1;
            from = to;
        }
        out
    }
}
