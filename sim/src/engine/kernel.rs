//! The random draws of the funnel's rep-periods, eight reps at a time, compiled for
//! the processor's vector extensions and chosen when the program starts.
//!
//! The hot loop gathers eight reps' inputs (leads' mean, service effort, book and
//! uniforms), and [`Kernel::funnel_draws`] returns their new customers, conversions, deal
//! revenue, churned customers and satisfaction. Every step is a lane-wise function
//! ([`rng::poisson_lanes`], [`rng::binomial_lanes`], [`normal::quantile_fast_lanes`],
//! [`vmath::exp_lanes`], ...) that applies the same IEEE operations to each lane as to
//! one value alone, so each rep's draws are those of the scalar samplers bit for bit,
//! and the same with AVX-512, AVX2 or none: which one runs changes the speed, never a
//! number (tests compare every unit on this machine, and the whole run in
//! `tests/vector_units.rs`).

use std::sync::OnceLock;

use crate::model::Funnel;
use crate::normal;
use crate::rng::{self, source, BinomialTable, SlotStreams, DRAWS_PER_REP_PERIOD};
use crate::vmath;

/// Reps drawn together: eight doubles fill an AVX-512 register (two AVX2 ones).
pub const LANES: usize = 8;

/// The processor's vector extension the draws are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VectorUnit {
    /// The architecture's baseline (SSE2 on x86-64): two lanes at a time.
    Baseline,
    /// AVX2: four lanes at a time.
    Avx2,
    /// AVX-512 (F, DQ and VL): eight lanes at a time.
    Avx512,
}

impl VectorUnit {
    /// The unit's name, as `PLANSIM_VECTOR_UNIT` takes it.
    pub fn name(self) -> &'static str {
        match self {
            VectorUnit::Baseline => "baseline",
            VectorUnit::Avx2 => "avx2",
            VectorUnit::Avx512 => "avx512",
        }
    }

    /// The best unit this processor has.
    pub fn detected() -> VectorUnit {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512dq")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx2")
            {
                return VectorUnit::Avx512;
            }
            if is_x86_feature_detected!("avx2") {
                return VectorUnit::Avx2;
            }
        }
        VectorUnit::Baseline
    }

    /// The unit the hot loop uses: the best this processor has, or a lower one named
    /// by the environment variable `PLANSIM_VECTOR_UNIT` (`baseline`, `avx2` or
    /// `avx512`; one the processor lacks gives the best it has). Read once.
    pub fn in_use() -> VectorUnit {
        static IN_USE: OnceLock<VectorUnit> = OnceLock::new();
        *IN_USE.get_or_init(|| {
            let best = VectorUnit::detected();
            let asked = match std::env::var("PLANSIM_VECTOR_UNIT").as_deref() {
                Ok("baseline") => VectorUnit::Baseline,
                Ok("avx2") => VectorUnit::Avx2,
                _ => VectorUnit::Avx512,
            };
            asked.min(best)
        })
    }
}

/// Eight reps' inputs to their period's draws (lanes past the last rep are padding,
/// their draws ignored).
#[derive(Clone, Copy, Debug)]
pub struct FunnelInputs {
    /// Expected new customers: leads per effort x productivity x acquisition effort.
    pub mean_leads: [f64; LANES],
    /// Service effort.
    pub service: [f64; LANES],
    /// Customers in the book at the period's start.
    pub book: [u32; LANES],
    /// The period's uniforms, by source ([`source`]) and then lane.
    pub uniforms: [[f64; LANES]; DRAWS_PER_REP_PERIOD],
}

impl Default for FunnelInputs {
    /// Padding whose draws take the samplers' common path.
    fn default() -> Self {
        FunnelInputs {
            mean_leads: [1.0; LANES],
            service: [0.0; LANES],
            book: [1; LANES],
            uniforms: [[0.5; LANES]; DRAWS_PER_REP_PERIOD],
        }
    }
}

/// Eight reps' draws of one period (docs/model.md section 3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FunnelDraws {
    /// New customers: Poisson of the leads' mean.
    pub new_customers: [u32; LANES],
    /// Conversions: binomial of the new customers.
    pub converted: [u32; LANES],
    /// First-month revenue of the conversions: log-normal, zero without conversions.
    pub new_revenue: [f64; LANES],
    /// Customers who leave the book: binomial of the book at the churn probability.
    pub churned: [u32; LANES],
    /// Satisfaction score, 0 to 100.
    pub satisfaction: [f64; LANES],
}

/// What the funnel's draws read besides the reps' inputs: the model's parameters and
/// the tables made once per workspace.
#[derive(Clone, Debug)]
pub struct FunnelTables {
    funnel: Funnel,
    /// Conversions of up to 64 new customers, by table.
    conversions: BinomialTable,
    /// Log-normal (mu, sigma) of the sum of `c` deals, for `c` up to 64 (of a fixed length,
    /// so that a lane's lookup has no length to check; boxed, so that the workspace's
    /// outcome draws stay small).
    deal_lognormal: Box<[(f64, f64); TABULATED as usize + 1]>,
}

/// Conversions and deal sums tabulated up to this count; beyond, computed directly.
const TABULATED: u32 = 64;

impl FunnelTables {
    /// The tables of `funnel`.
    pub fn new(funnel: &Funnel) -> Self {
        FunnelTables {
            funnel: funnel.clone(),
            conversions: BinomialTable::new(funnel.conversion, TABULATED),
            deal_lognormal: Box::new(std::array::from_fn(|c| match c {
                0 => (0.0, 0.0),
                c => fenton_wilkinson(c as u32, funnel.deal_mean, funnel.deal_var),
            })),
        }
    }

    /// The funnel's parameters.
    pub fn funnel(&self) -> &Funnel {
        &self.funnel
    }

    /// Log-normal (mu, sigma) of the sum of `count` deals.
    fn deal_lognormal(&self, count: u32) -> (f64, f64) {
        match self.deal_lognormal.get(count as usize) {
            Some(&ms) => ms,
            None => fenton_wilkinson(count, self.funnel.deal_mean, self.funnel.deal_var),
        }
    }

    /// The logarithms `mu + sigma z` of the deals of `converted` conversions: from the
    /// table in every lane at once, and from [`fenton_wilkinson`] in the rare lanes beyond
    /// it (a lookup per lane with its own fallback compiled to a branch and a scalar
    /// path per lane).
    #[inline(always)]
    fn log_deals(&self, converted: &[u32; LANES], z: &[f64; LANES]) -> [f64; LANES] {
        let mut log_deals = [0.0; LANES];
        for i in 0..LANES {
            let (mu, sigma) = self.deal_lognormal[converted[i].min(TABULATED) as usize];
            log_deals[i] = mu + sigma * z[i];
        }
        if converted.iter().any(|&c| c > TABULATED) {
            self.log_deals_beyond_table(converted, z, &mut log_deals);
        }
        log_deals
    }

    /// [`FunnelTables::log_deals`] of the lanes beyond the table.
    #[cold]
    #[inline(never)]
    fn log_deals_beyond_table(
        &self,
        converted: &[u32; LANES],
        z: &[f64; LANES],
        log_deals: &mut [f64; LANES],
    ) {
        for i in 0..LANES {
            if converted[i] > TABULATED {
                let (mu, sigma) = self.deal_lognormal(converted[i]);
                log_deals[i] = mu + sigma * z[i];
            }
        }
    }
}

/// Log-normal parameters (mu, sigma) matching the mean and variance of a sum of `count` deals.
fn fenton_wilkinson(count: u32, mean: f64, var: f64) -> (f64, f64) {
    let m = count as f64 * mean;
    let v = count as f64 * var;
    let s2 = (v / (m * m)).ln_1p();
    (m.ln() - 0.5 * s2, s2.sqrt())
}

/// The kernel on a vector unit this processor has. Made only by [`Kernel::new`],
/// which checks the processor once, or [`Kernel::in_use`], so that its calls in the hot
/// loop check nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kernel {
    unit: VectorUnit,
}

impl Kernel {
    /// The kernel on `unit`, if this processor has it.
    pub fn new(unit: VectorUnit) -> Option<Kernel> {
        (unit <= VectorUnit::detected()).then_some(Kernel { unit })
    }

    /// The kernel on [`VectorUnit::in_use`].
    pub fn in_use() -> Kernel {
        Kernel {
            unit: VectorUnit::in_use(),
        }
    }

    /// The kernel on every unit this processor has, from the baseline up.
    pub fn available() -> Vec<Kernel> {
        [VectorUnit::Baseline, VectorUnit::Avx2, VectorUnit::Avx512]
            .into_iter()
            .filter_map(Kernel::new)
            .collect()
    }

    /// The vector unit it runs on.
    pub fn unit(self) -> VectorUnit {
        self.unit
    }

    /// Eight reps' funnel draws.
    #[inline]
    pub fn funnel_draws(self, tables: &FunnelTables, inputs: &FunnelInputs) -> FunnelDraws {
        match self.unit {
            // SAFETY (both): a Kernel is made only for a unit the processor has.
            #[cfg(target_arch = "x86_64")]
            VectorUnit::Avx512 => unsafe { funnel_draws_avx512(tables, inputs) },
            #[cfg(target_arch = "x86_64")]
            VectorUnit::Avx2 => unsafe { funnel_draws_avx2(tables, inputs) },
            _ => funnel_draws_lanes(tables, inputs),
        }
    }

    /// Eight Poisson draws of means of tens or more ([`rng::poisson_lanes_far`]): a
    /// team's starting books, whose searches run side by side.
    #[inline]
    pub fn poisson_far(self, mean: &[f64; LANES], u: &[f64; LANES]) -> [u32; LANES] {
        match self.unit {
            // SAFETY (both): a Kernel is made only for a unit the processor has.
            #[cfg(target_arch = "x86_64")]
            VectorUnit::Avx512 => unsafe { poisson_far_avx512(mean, u) },
            #[cfg(target_arch = "x86_64")]
            VectorUnit::Avx2 => unsafe { poisson_far_avx2(mean, u) },
            _ => rng::poisson_lanes_far(mean, u),
        }
    }

    /// One rep-period's uniforms of each of the slots `first..first + LANES`, by
    /// source and then lane ([`SlotStreams::draw_blocks`]), written into `into` (a
    /// returned array of 512 bytes was copied by a call to memcpy in the hot loop).
    #[inline]
    pub fn uniforms(
        self,
        streams: &mut SlotStreams,
        first: usize,
        into: &mut [[f64; LANES]; DRAWS_PER_REP_PERIOD],
    ) {
        match self.unit {
            // SAFETY (both): a Kernel is made only for a unit the processor has.
            #[cfg(target_arch = "x86_64")]
            VectorUnit::Avx512 => unsafe { uniforms_avx512(streams, first, into) },
            #[cfg(target_arch = "x86_64")]
            VectorUnit::Avx2 => unsafe { uniforms_avx2(streams, first, into) },
            _ => *into = streams.draw_blocks(first),
        }
    }
}

/// [`SlotStreams::draw_blocks`] compiled for AVX-512.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
fn uniforms_avx512(
    streams: &mut SlotStreams,
    first: usize,
    into: &mut [[f64; LANES]; DRAWS_PER_REP_PERIOD],
) {
    *into = streams.draw_blocks(first);
}

/// [`SlotStreams::draw_blocks`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn uniforms_avx2(
    streams: &mut SlotStreams,
    first: usize,
    into: &mut [[f64; LANES]; DRAWS_PER_REP_PERIOD],
) {
    *into = streams.draw_blocks(first);
}

/// [`rng::poisson_lanes_far`] compiled for AVX-512.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
fn poisson_far_avx512(mean: &[f64; LANES], u: &[f64; LANES]) -> [u32; LANES] {
    rng::poisson_lanes_far(mean, u)
}

/// [`rng::poisson_lanes_far`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn poisson_far_avx2(mean: &[f64; LANES], u: &[f64; LANES]) -> [u32; LANES] {
    rng::poisson_lanes_far(mean, u)
}

/// [`funnel_draws_lanes`] compiled for AVX-512.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
fn funnel_draws_avx512(tables: &FunnelTables, inputs: &FunnelInputs) -> FunnelDraws {
    funnel_draws_lanes(tables, inputs)
}

/// [`funnel_draws_lanes`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn funnel_draws_avx2(tables: &FunnelTables, inputs: &FunnelInputs) -> FunnelDraws {
    funnel_draws_lanes(tables, inputs)
}

/// Eight reps' funnel draws, lane by lane (inlined into each unit's function).
///
/// The draws' quantiles and exps are chains of dependent operations, each with a
/// division, and the longest chain runs from the Poisson's first term through the
/// search and the conversions to the deals' exp. It starts first, its exp taken with
/// churn's decay; the deal size's and satisfaction's normal quantiles, which wait on
/// nothing, run in one call beside the search; the deals' exp is taken with
/// satisfaction's. Each lane's operations are those of its own call, so the draws are
/// the same.
#[inline(always)]
fn funnel_draws_lanes(tables: &FunnelTables, x: &FunnelInputs) -> FunnelDraws {
    let fun = &tables.funnel;
    let u = &x.uniforms;
    let [first_term, decay] = split(vmath::exp_lanes(&join::<2, { 2 * LANES }>([
        &rng::poisson_first_exponent_lanes(&x.mean_leads),
        &fun.churn_exponent_lanes(&x.service),
    ])));
    let new_customers = rng::poisson_lanes_from(&x.mean_leads, &u[source::LEADS], first_term);
    let [deal_z, noise] = split(normal::quantile_fast_lanes(&join::<2, { 2 * LANES }>([
        &u[source::DEAL_SIZE],
        &u[source::SATISFACTION],
    ])));
    let mut converted = [0; LANES];
    for i in 0..LANES {
        converted[i] = tables
            .conversions
            .sample(new_customers[i], u[source::CONVERSION][i]);
    }
    let [deals, satisfaction_exp] = split(vmath::exp_lanes(&join::<2, { 2 * LANES }>([
        &tables.log_deals(&converted, &deal_z),
        &fun.satisfaction_exponent_lanes(&x.service, &noise),
    ])));
    let mut new_revenue = [0.0; LANES];
    for i in 0..LANES {
        new_revenue[i] = if converted[i] == 0 { 0.0 } else { deals[i] };
    }
    let churn = fun.churn_from_decay(&decay);
    let churned = rng::binomial_lanes(&x.book, &churn, &u[source::CHURN]);
    let satisfaction = Funnel::satisfaction_from_exp(&satisfaction_exp);
    FunnelDraws {
        new_customers,
        converted,
        new_revenue,
        churned,
        satisfaction,
    }
}

/// `K` lane arrays side by side in one array of `N = K x LANES` lanes.
#[inline(always)]
fn join<const K: usize, const N: usize>(parts: [&[f64; LANES]; K]) -> [f64; N] {
    const { assert!(N == K * LANES) };
    std::array::from_fn(|i| parts[i / LANES][i % LANES])
}

/// [`join`]'s inverse: `N = K x LANES` lanes as `K` lane arrays.
#[inline(always)]
fn split<const K: usize, const N: usize>(all: [f64; N]) -> [[f64; LANES]; K] {
    const { assert!(N == K * LANES) };
    std::array::from_fn(|k| std::array::from_fn(|i| all[k * LANES + i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A funnel like the default scenario's.
    fn funnel() -> Funnel {
        Funnel {
            new_customers_per_effort: 2.5,
            conversion: 0.3,
            deal_mean: 1200.0,
            deal_var: 400.0 * 400.0,
            recurring_revenue: 150.0,
            churn_at_zero_service: 0.06,
            churn_service_rate: 0.8,
            satisfaction_logit_at_zero: -0.5,
            satisfaction_slope: 1.2,
            satisfaction_noise: 0.7,
        }
    }

    /// Inputs across the samplers' paths: zero and large means, empty and large books,
    /// uniforms near 0 and 1 (the tails' searches and quantiles).
    fn inputs(seed: u64) -> impl Iterator<Item = FunnelInputs> {
        let mut s = rng::stream(seed, 0, 0);
        (0..4000).map(move |k| {
            let mut x = FunnelInputs::default();
            for i in 0..LANES {
                let mut next = || rng::open_uniform(rand::RngCore::next_u64(&mut s));
                x.mean_leads[i] = match k % 5 {
                    0 => 0.0,
                    1 => 30.0 * next(),
                    2 => 600.0 * next(),
                    _ => 6.0 * next(),
                };
                x.service[i] = 3.0 * next();
                x.book[i] = (next() * [3.0, 40.0, 400.0][k % 3]) as u32;
                for src in 0..DRAWS_PER_REP_PERIOD {
                    let v = next();
                    x.uniforms[src][i] = match (k + src) % 7 {
                        0 => v * 1e-6,
                        1 => 1.0 - v * 1e-9,
                        _ => v,
                    };
                }
            }
            x
        })
    }

    #[test]
    fn every_lane_draws_what_the_scalar_samplers_draw() {
        let fun = funnel();
        let tables = FunnelTables::new(&fun);
        for x in inputs(1) {
            let d = Kernel::new(VectorUnit::Baseline)
                .expect("every processor has it")
                .funnel_draws(&tables, &x);
            for i in 0..LANES {
                let u = |src: usize| x.uniforms[src][i];
                let nc = rng::poisson(x.mean_leads[i], u(source::LEADS));
                let conv = rng::binomial(nc, fun.conversion, u(source::CONVERSION));
                let deal = if conv == 0 {
                    0.0
                } else {
                    let (mu, sigma) = tables.deal_lognormal(conv);
                    vmath::exp(mu + sigma * rng::std_normal(u(source::DEAL_SIZE)))
                };
                let churned = rng::binomial(x.book[i], fun.churn(x.service[i]), u(source::CHURN));
                let z = rng::std_normal(u(source::SATISFACTION));
                let sat = fun.satisfaction_lanes(&[x.service[i]], &[z])[0];
                assert_eq!(d.new_customers[i], nc);
                // The table and the direct inversion agree up to rounding at the edges.
                assert_eq!(
                    d.converted[i],
                    tables.conversions.sample(nc, u(source::CONVERSION))
                );
                assert!(d.converted[i].abs_diff(conv) <= 1);
                if d.converted[i] == conv {
                    assert_eq!(d.new_revenue[i].to_bits(), deal.to_bits());
                }
                assert_eq!(d.churned[i], churned);
                assert_eq!(d.satisfaction[i].to_bits(), sat.to_bits());
            }
        }
    }

    /// The kernels this processor has beyond the baseline (the others are named on
    /// stderr; `tests/vector_units.rs` fails without them unless told to skip).
    fn vector_kernels() -> Vec<Kernel> {
        let kernels = Kernel::available();
        if kernels.len() < 3 {
            eprintln!("note: this processor has only {kernels:?}: the others are not compared");
        }
        kernels.into_iter().skip(1).collect()
    }

    #[test]
    fn every_vector_unit_draws_the_same_uniforms() {
        let baseline = Kernel::new(VectorUnit::Baseline).expect("every processor has it");
        for kernel in vector_kernels() {
            let mut reference = SlotStreams::new(3, 4, 21);
            let mut streams = reference.clone();
            for _ in 0..50 {
                for first in (0..21).step_by(LANES) {
                    let mut want = [[0.0; LANES]; DRAWS_PER_REP_PERIOD];
                    let mut got = [[1.0; LANES]; DRAWS_PER_REP_PERIOD];
                    baseline.uniforms(&mut reference, first, &mut want);
                    kernel.uniforms(&mut streams, first, &mut got);
                    assert_eq!(
                        got.map(|r| r.map(f64::to_bits)),
                        want.map(|r| r.map(f64::to_bits))
                    );
                }
            }
            assert_eq!(streams, reference);
        }
    }

    #[test]
    fn every_vector_unit_draws_the_same_books() {
        let baseline = Kernel::new(VectorUnit::Baseline).expect("every processor has it");
        let kernels = vector_kernels();
        let mut s = rng::stream(5, 0, 0);
        let mut next = || rng::open_uniform(rand::RngCore::next_u64(&mut s));
        for k in 0..20_000 {
            let mean: [f64; LANES] =
                std::array::from_fn(|i| [0.0, 4.0, 60.0, 150.0, 700.0][(k + i) % 5] * next());
            let u: [f64; LANES] = std::array::from_fn(|_| next());
            let reference = baseline.poisson_far(&mean, &u);
            for i in 0..LANES {
                assert_eq!(reference[i], rng::poisson(mean[i], u[i]));
            }
            for kernel in &kernels {
                assert_eq!(kernel.poisson_far(&mean, &u), reference, "{kernel:?}");
            }
        }
    }

    #[test]
    fn every_vector_unit_draws_the_same_bits() {
        let fun = funnel();
        let tables = FunnelTables::new(&fun);
        let baseline = Kernel::new(VectorUnit::Baseline).expect("every processor has it");
        let kernels = vector_kernels();
        for x in inputs(2) {
            let reference = baseline.funnel_draws(&tables, &x);
            for kernel in &kernels {
                let d = kernel.funnel_draws(&tables, &x);
                assert_eq!(d.new_customers, reference.new_customers, "{kernel:?}");
                assert_eq!(d.converted, reference.converted, "{kernel:?}");
                assert_eq!(d.churned, reference.churned, "{kernel:?}");
                assert_eq!(
                    d.new_revenue.map(f64::to_bits),
                    reference.new_revenue.map(f64::to_bits),
                    "{kernel:?}"
                );
                assert_eq!(
                    d.satisfaction.map(f64::to_bits),
                    reference.satisfaction.map(f64::to_bits),
                    "{kernel:?}"
                );
            }
        }
    }
}
