//! Theory checks in the linear-normal model (docs/model.md, section 16,
//! "Theory checks").
//!
//! Output is y = e + eps, eps ~ N(0, sigma^2) (ability, skill, ramp, seasonality and
//! the market factor are all 1), effort costs c e^2 / 2, and reps are identical and
//! never quit. Each test compares the solver's policy with a closed form (or with the
//! global maximiser of the closed-form certainty equivalent, found by brute force in
//! the test), then simulates the plan with a fixed seed and compares the simulated
//! means with the theory within 4.5 Monte Carlo standard errors.
//!
//! Tolerance on policy efforts: the solver (docs/model.md section 8.3) searches effort
//! on a 41-point grid over [min, max] and then refines by a pattern search accelerated
//! by quadratic models until its step falls below (max - min) / 120 / 2^13, 3e-6 to
//! 4e-6 for the effort ranges used (3 and 4). The reference maximisers below are computed on a
//! grid of 200 001 points (spacing 1.5e-5 to 2e-5). `SOLVER_TOL` = 2.5e-4 is 60 to
//! 80 solver steps and over 12 reference-grid spacings, and below 1e-3 of the effort
//! range: any model error that moves effort by a tenth of a percent of its range
//! fails.

use plansim_sim::behaviour::{self, PlanningStart, Policy};
use plansim_sim::engine::metrics::Metric;
use plansim_sim::engine::{self, RunTally};
use plansim_sim::mechanisms::Promotion;
use plansim_sim::model::Model;
use plansim_sim::normal;
use plansim_sim::scenario::parse_and_validate;

/// Agreement required between the solver's effort and a closed-form effort (see the header).
const SOLVER_TOL: f64 = 2.5e-4;
/// Monte Carlo tolerance, in standard errors.
const Z_TOL: f64 = 4.5;
/// Points of the brute-force reference grids.
const GRID: usize = 200_001;

/// A linear-normal world with identical reps.
#[derive(Clone, Debug)]
struct World {
    reps: u32,
    periods: u32,
    sigma: f64,
    cost: f64,
    risk_aversion: f64,
    promotion_value: f64,
    max_effort: f64,
    /// Absolute revenue target per rep per period.
    target: f64,
    /// TOML of the plan's mechanisms (sections under `[plan.*]`).
    mechanisms: String,
}

impl World {
    fn new(mechanisms: &str) -> Self {
        World {
            reps: 10,
            periods: 3,
            sigma: 1.0,
            cost: 1.0,
            risk_aversion: 0.0,
            promotion_value: 0.0,
            max_effort: 3.0,
            target: 1.0,
            mechanisms: mechanisms.to_string(),
        }
    }

    fn toml(&self) -> String {
        format!(
            r#"
name = "theory"

[simulation]
periods = {periods}
replications = 1
seed = 1

[team]
size = {reps}
ability = {{ mean = 1.0, sd = 0.0 }}
effort_cost = {{ mean = {cost:?}, sd = 0.0 }}
risk_aversion = {{ mean = {risk:?}, sd = 0.0 }}
promotion_value = {{ mean = {value:?}, sd = 0.0 }}
outside_premium = {{ mean = 0.0, sd = 0.0 }}
base_salary = {{ mean = 1000.0, sd = 0.0 }}
initial_skill = 1.0
max_skill = 1.0
initial_tenure = 24
reference_effort = {{ acquisition = 0.0, service = 0.0 }}
min_effort = {{ acquisition = 0.0, service = 0.0 }}
max_effort = {{ acquisition = {max:?}, service = 1.0 }}
base_quit_rate = 0.0

[market]
seasonality = [1.0]
shock_sd = 0.0

[outcome]
model = "linear_normal"

[outcome.linear_normal]
noise_sd = {sigma:?}

[targets]
revenue = {{ mode = "absolute", value = {target:?} }}

[plan]
cycle = "month"
kpi = {{ revenue = 1.0, new_customers = 0.0 }}

{mechanisms}

[baseline]
kpi = {{ revenue = 1.0, new_customers = 0.0 }}
"#,
            periods = self.periods,
            reps = self.reps,
            cost = self.cost,
            risk = self.risk_aversion,
            value = self.promotion_value,
            max = self.max_effort,
            sigma = self.sigma,
            target = self.target,
            mechanisms = self.mechanisms,
        )
    }

    fn model(&self) -> Model {
        let text = self.toml();
        let valid = parse_and_validate(&text, "test", None)
            .unwrap_or_else(|e| panic!("invalid test scenario: {e:?}\n{text}"));
        Model::new(&valid)
    }
}

fn policy_of(model: &Model) -> Policy {
    behaviour::solve(model, model.plan(), &PlanningStart::initial(model))
}

/// Every rep's planned acquisition effort in every period, and the policy's cell at
/// the start of each (monthly) cycle: all must be `expected` within `tol`; service
/// effort (unpaid in this model) must stay at its minimum of 0.
fn assert_policy_effort(model: &Model, policy: &Policy, expected: f64, tol: f64, what: &str) {
    for rep in 0..model.reps().len() {
        for t in 0..model.periods() {
            let planned = policy.planned()[rep][t as usize];
            let cell = policy.cell(rep, t, true, 0.0);
            for (name, e) in [("planned", planned), ("cell", cell)] {
                assert!(
                    (e.acquisition - expected).abs() <= tol,
                    "{what}: {name} effort of rep {rep} in period {t} is {}, theory {expected} (tol {tol})",
                    e.acquisition
                );
                assert_eq!(e.service, 0.0, "{what}: service effort must stay at 0");
            }
        }
    }
}

/// Mean simulated output per rep-period and its Monte Carlo standard error.
fn output_per_rep_period(model: &Model, tally: &RunTally) -> (f64, f64) {
    let s = tally.plan.summary(Metric::Revenue.index());
    let rep_periods = (model.reps().len() as u32 * model.periods()) as f64;
    (s.mean / rep_periods, s.std_err / rep_periods)
}

fn assert_within_se(observed: f64, se: f64, expected: f64, what: &str) {
    assert!(se > 0.0 && se.is_finite(), "{what}: standard error {se}");
    assert!(
        (observed - expected).abs() <= Z_TOL * se,
        "{what}: simulated {observed} vs theory {expected}: {:.2} standard errors (se {se})",
        (observed - expected) / se
    );
}

/// Global maximiser of `f` on [lo, hi] by brute force over `GRID` points.
fn argmax(lo: f64, hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    let mut best = (f64::NEG_INFINITY, lo);
    for i in 0..GRID {
        let e = lo + (hi - lo) * i as f64 / (GRID - 1) as f64;
        let v = f(e);
        if v > best.0 {
            best = (v, e);
        }
    }
    best.1
}

/// Local maxima of `f` on a coarse grid over [lo, hi] (interior points only).
fn interior_local_maxima(lo: f64, hi: f64, f: impl Fn(f64) -> f64) -> Vec<f64> {
    let n = 3001;
    let x = |i: usize| lo + (hi - lo) * i as f64 / (n - 1) as f64;
    (1..n - 1)
        .filter(|&i| f(x(i)) > f(x(i - 1)) && f(x(i)) >= f(x(i + 1)))
        .map(x)
        .collect()
}

/// Linear commission beta on revenue: e* = beta / c whatever the risk aversion
/// (the variance of pay, beta^2 sigma^2, does not depend on effort).
#[test]
fn linear_commission_effort_is_beta_over_c_at_any_risk_aversion() {
    let cases = [
        // (beta, c, r)
        (0.6, 1.0, 0.0),
        (0.6, 1.0, 0.5),
        (0.6, 1.0, 1.0),
        (0.3, 0.25, 1.0),
    ];
    for (i, &(beta, c, r)) in cases.iter().enumerate() {
        let mut w = World::new(&format!(
            "[plan.commission]\nrate = {beta:?}\non = \"revenue\"\n"
        ));
        w.cost = c;
        w.risk_aversion = r;
        let model = w.model();
        let e_star = beta / c;
        assert!(e_star < w.max_effort);
        let what = format!("commission beta={beta} c={c} r={r}");
        assert_policy_effort(&model, &policy_of(&model), e_star, SOLVER_TOL, &what);

        let (_, tally) = engine::run(&model, 1000 + i as u64, 512, &|_| {});
        let (mean, se) = output_per_rep_period(&model, &tally);
        assert_within_se(mean, se, e_star, &format!("{what}: mean output"));
        // The simulated commission cost is beta x revenue exactly.
        let cost = tally.plan.summary(Metric::CostCommission.index());
        let revenue = tally.plan.summary(Metric::Revenue.index());
        assert!(
            (cost.mean - beta * revenue.mean).abs() <= 1e-9 * revenue.mean.abs().max(1.0),
            "{what}: commission cost {} vs beta x revenue {}",
            cost.mean,
            beta * revenue.mean
        );
    }
}

/// Threshold bonus b paid when y >= q: e* is the global maximiser of the certainty
/// equivalent b P - (r/2) b^2 P (1 - P) - c e^2 / 2 with P = Phi((e - q) / sigma)
/// (for r = 0, b Phi((e - q)/sigma) - c e^2/2), computed here by brute force.
#[test]
fn threshold_bonus_effort_is_the_global_maximiser_and_hit_rate_matches() {
    struct Case {
        b: f64,
        q: f64,
        sigma: f64,
        r: f64,
        /// The global maximiser lies past the target q (else it is near the corner at 0).
        interior: bool,
        /// Check the hit rate too (the expected number of hits is large enough for a
        /// normal approximation of its sampling error).
        check_hit_rate: bool,
    }
    let cases = [
        // Interior optimum past the target: e* = 2.382 > q = 2.
        Case {
            b: 4.0,
            q: 2.0,
            sigma: 0.5,
            r: 0.0,
            interior: true,
            check_hit_rate: true,
        },
        // A smaller bonus: the local maximum at 2.31 is worse than giving up; e* ~ 0.001.
        Case {
            b: 3.5,
            q: 2.0,
            sigma: 0.5,
            r: 0.0,
            interior: false,
            check_hit_rate: false,
        },
        // A harder, noisier target: e* = 0.152 near the corner, local maximum at 2.375
        // rejected; the hit rate Phi(-2.35) = 0.0094 is measurable.
        Case {
            b: 6.0,
            q: 2.5,
            sigma: 1.0,
            r: 0.0,
            interior: false,
            check_hit_rate: true,
        },
        // Risk aversion lowers the value of the bonus; with P > 1/2 more effort also
        // lowers its variance, so the maximiser moves up, to 2.439.
        Case {
            b: 4.0,
            q: 2.0,
            sigma: 0.5,
            r: 0.1,
            interior: true,
            check_hit_rate: true,
        },
    ];
    let c = 1.0;
    let max_effort = 4.0;
    for (i, case) in cases.iter().enumerate() {
        let Case { b, q, sigma, r, .. } = *case;
        let ce = |e: f64| {
            let p = normal::cdf((e - q) / sigma);
            b * p - 0.5 * r * b * b * p * (1.0 - p) - 0.5 * c * e * e
        };
        let e_star = argmax(0.0, max_effort, ce);
        let what = format!("threshold bonus b={b} q={q} sigma={sigma} r={r}");
        // The case is what it claims to be: interior past q, or near 0 with a rival
        // interior local maximum that the solver must reject.
        if case.interior {
            assert!(e_star > q, "{what}: e* = {e_star} should exceed q");
        } else {
            assert!(e_star < 0.2, "{what}: e* = {e_star} should be near 0");
            let rivals = interior_local_maxima(0.0, max_effort, ce);
            assert!(
                rivals.iter().any(|&x| x > q - 0.5 && ce(x) < ce(e_star)),
                "{what}: expected a rejected local maximum near q, found {rivals:?}"
            );
        }

        let mut w = World::new(&format!(
            "[plan.target_bonus]\namount = {b:?}\nthreshold = 1.0\n"
        ));
        w.reps = 50;
        w.periods = 4;
        w.sigma = sigma;
        w.cost = c;
        w.risk_aversion = r;
        w.max_effort = max_effort;
        w.target = q;
        let model = w.model();
        assert_policy_effort(&model, &policy_of(&model), e_star, SOLVER_TOL, &what);

        let replications = 256;
        let (_, tally) = engine::run(&model, 2000 + i as u64, replications, &|_| {});
        let (mean, se) = output_per_rep_period(&model, &tally);
        assert_within_se(mean, se, e_star, &format!("{what}: mean output"));
        if case.check_hit_rate {
            let p = normal::cdf((e_star - q) / sigma);
            let n = (model.reps().len() as u64 * model.periods() as u64 * replications) as f64;
            assert!(
                n * p * (1.0 - p) >= 100.0,
                "{what}: too few expected hits for a normal approximation"
            );
            let hit = tally.plan.summary(Metric::TargetHitRate.index());
            assert_within_se(hit.mean, hit.std_err, p, &format!("{what}: hit rate"));
            // Reps and periods are independent here, so the reported error is the
            // binomial one (a 10 % band is over 10 standard errors of the ratio).
            let binomial = (p * (1.0 - p) / n).sqrt();
            assert!(
                (hit.std_err / binomial - 1.0).abs() < 0.1,
                "{what}: reported se {} vs binomial {binomial}",
                hit.std_err
            );
        }
    }
}

/// The tournament: the top share p of a large team of identical reps is promoted each
/// month with value V. The symmetric equilibrium is e* = V phi(Phi^-1(1 - p)) / (sigma c)
/// (Lazear and Rosen 1981, large field).
///
/// The solver reaches it by fixed-point iteration: behaviour::solve starts the reps'
/// belief about the cut-off from the reference effort and repeats best responses to
/// the cut-off the previous pass implies until it moves by less than 1e-9, so the
/// policy's effort is the fixed point of
/// BR(e) = argmax_x V (1 - Phi((e + sigma z - x) / sigma)) - c x^2 / 2,
/// z = Phi^-1(1 - p), to the solver's precision `SOLVER_TOL`. (Near e*, BR contracts by
/// A / (A - c), A = V z phi(z) / sigma^2, so the iteration converges in both cases.)
#[test]
fn tournament_effort_is_lazear_rosen_and_the_top_share_is_promoted() {
    let cases = [
        // (share p, V, sigma)
        (0.5, 1.5, 1.0),
        (0.2, 2.0, 2.0),
    ];
    let c = 1.0;
    let max_effort = 3.0;
    for (i, &(p, v, sigma)) in cases.iter().enumerate() {
        let z = normal::quantile(1.0 - p);
        let e_star = v * normal::pdf(z) / (sigma * c);
        assert!(
            (Promotion::lazear_rosen_effort(v, p, sigma, c) - e_star).abs() < 1e-12,
            "lazear_rosen_effort disagrees with the closed form"
        );
        // e* is a fixed point of the best response (checked independently by brute force).
        let best_response = |others: f64| {
            argmax(0.0, max_effort, |x| {
                v * (1.0 - normal::cdf((others + sigma * z - x) / sigma)) - 0.5 * c * x * x
            })
        };
        assert!(
            (best_response(e_star) - e_star).abs() < SOLVER_TOL,
            "e* is not a fixed point"
        );
        let tol = SOLVER_TOL;

        let mut w = World::new(&format!(
            "[plan.promotion]\nmode = \"tournament\"\nshare = {p:?}\nraise = 0.0\nmax_promotions = 1000\n"
        ));
        w.reps = 200;
        w.periods = 2;
        w.sigma = sigma;
        w.cost = c;
        w.promotion_value = v;
        w.max_effort = max_effort;
        let model = w.model();
        let what = format!("tournament p={p} V={v} sigma={sigma}");
        let policy = policy_of(&model);
        assert_policy_effort(&model, &policy, e_star, tol, &what);
        // The cut-off the reps believe in is the (1 - p) quantile of the team's score
        // (target 1, so score = output) at the equilibrium effort.
        let cutoff = e_star + sigma * z;
        let cutoff_tol = SOLVER_TOL;
        assert!(
            (policy.tournament_cutoff() - cutoff).abs() <= cutoff_tol,
            "{what}: believed cut-off {} vs {cutoff}",
            policy.tournament_cutoff()
        );

        let replications = 128;
        let (_, tally) = engine::run(&model, 3000 + i as u64, replications, &|_| {});
        let (mean, se) = output_per_rep_period(&model, &tally);
        assert_within_se(mean, se, e_star, &format!("{what}: mean output"));
        // Everyone stays eligible, so exactly round(p n) reps are promoted each month.
        let promoted = tally.plan.summary(Metric::Promotions.index());
        let per_cycle = (p * model.reps().len() as f64).round();
        assert_eq!(
            promoted.mean,
            per_cycle * model.periods() as f64,
            "{what}: promotions"
        );
        assert_eq!(promoted.std_err, 0.0, "{what}: promotions must not vary");
        let share = promoted.mean / (model.periods() as f64 * model.reps().len() as f64);
        assert!((share - p).abs() < 1e-12, "{what}: promoted share {share}");
    }
}

/// The tournament world of [`tournament_effort_is_lazear_rosen_and_the_top_share_is_promoted`]
/// with share `p`, prize `v`, noise 1 and effort cost 1, over two months.
fn tournament_world(p: f64, v: f64) -> Model {
    let mut w = World::new(&format!(
        "[plan.promotion]\nmode = \"tournament\"\nshare = {p:?}\nraise = 0.0\nmax_promotions = 1000\n"
    ));
    w.reps = 200;
    w.periods = 2;
    w.promotion_value = v;
    w.max_effort = 3.0;
    w.model()
}

/// A steep best response: with a small promoted share and a prize large against the
/// noise, the best response to the others' effort e falls faster than e rises. Near e*
/// its slope is A / (A - c) with A = V z phi(z) / sigma^2; for p = 0.1, V = 3.5 (sigma =
/// c = 1), A = 0.787 lies in (c/2, c), so the slope is -3.7: repeated best responses
/// alternate between two efforts, and before the bracketed search the solver reported
/// one of them. e* is still the equilibrium (A < c keeps it a maximum, and the brute
/// force below confirms it is the best response to itself), and the solver must find it.
#[test]
fn tournament_with_a_steep_best_response_finds_lazear_rosen() {
    let (p, v, sigma, c) = (0.1, 3.5, 1.0, 1.0);
    let z = normal::quantile(1.0 - p);
    let a = v * z * normal::pdf(z) / (sigma * sigma);
    let slope = a / (a - c);
    assert!(slope < -1.0, "the case must be steep, slope {slope}");
    let e_star = Promotion::lazear_rosen_effort(v, p, sigma, c);
    let best_response = |others: f64| {
        argmax(0.0, 3.0, |x| {
            v * (1.0 - normal::cdf((others + sigma * z - x) / sigma)) - 0.5 * c * x * x
        })
    };
    assert!((best_response(e_star) - e_star).abs() < SOLVER_TOL);
    // Undamped best responses from e* + 0.01 move away from e*: the old iteration diverged.
    let (e1, e2) = (
        best_response(e_star + 0.01),
        best_response(best_response(e_star + 0.01)),
    );
    assert!((e2 - e_star).abs() > (e1 - e_star).abs() && (e1 - e_star).abs() > 0.01);

    let model = tournament_world(p, v);
    let policy = policy_of(&model);
    assert!(
        matches!(policy.equilibrium(), behaviour::Equilibrium::Found { .. }),
        "{:?}",
        policy.equilibrium()
    );
    assert_policy_effort(&model, &policy, e_star, SOLVER_TOL, "steep tournament");
    assert!((policy.tournament_cutoff() - (e_star + sigma * z)).abs() <= SOLVER_TOL);
}

/// Where the prize is so large against the noise that A = V z phi(z) / sigma^2 exceeds
/// c, e* is a minimum of the certainty equivalent, not a best response, and no effort
/// is a best response to itself (checked by brute force): there is no symmetric
/// equilibrium in pure strategies, and the solver must say so rather than report an
/// effort.
#[test]
fn tournament_without_an_equilibrium_says_so() {
    let (p, v, sigma, c) = (0.1, 8.0, 1.0, 1.0);
    let z = normal::quantile(1.0 - p);
    assert!(v * z * normal::pdf(z) / (sigma * sigma) > c);
    let best_response = |others: f64| {
        argmax(0.0, 3.0, |x| {
            v * (1.0 - normal::cdf((others + sigma * z - x) / sigma)) - 0.5 * c * x * x
        })
    };
    let closest = (0..=300)
        .map(|i| i as f64 * 0.01)
        .map(|e| (best_response(e) - e).abs())
        .fold(f64::INFINITY, f64::min);
    assert!(closest > 0.1, "a fixed point exists within {closest}");

    let model = tournament_world(p, v);
    let policy = policy_of(&model);
    match policy.equilibrium() {
        behaviour::Equilibrium::NotFound { what, gap, .. } => {
            assert_eq!(what, behaviour::EquilibriumGap::TournamentCutoff);
            assert!(gap > 1e-3, "gap {gap}");
        }
        other => panic!("an equilibrium was claimed: {other:?}"),
    }
    assert!(policy
        .equilibrium()
        .problem()
        .unwrap()
        .contains("no equilibrium"));
}

/// A team bonus: each of R identical reps is paid b when the team's output reaches R q
/// in the month. A rep's certainty equivalent, with the others at e, is
/// b Phi((x + (R - 1) e - R q) / (sigma sqrt R)) - c x^2 / 2: each rep moves the team's
/// result by a 1/R share of the noise's scale, so the incentive is diluted (free
/// riding). The symmetric equilibrium is the fixed point of that best response,
/// found here by brute force; the solver (which reaches it by best responses to the
/// team's planned efforts) must match it, and the simulated team hit rate must be
/// Phi(sqrt(R) (e* - q) / sigma).
#[test]
fn team_bonus_effort_is_the_symmetric_equilibrium() {
    let (reps, b, q, sigma, c) = (10u32, 2.0, 1.0, 1.0, 1.0);
    let r = reps as f64;
    let best_response = |others: f64| {
        argmax(0.0, 3.0, |x| {
            b * normal::cdf((x + (r - 1.0) * others - r * q) / (sigma * r.sqrt())) - 0.5 * c * x * x
        })
    };
    let mut e_star = 0.5;
    for _ in 0..200 {
        let next = best_response(e_star);
        if (next - e_star).abs() < 1e-9 {
            break;
        }
        e_star = next;
    }
    assert!((best_response(e_star) - e_star).abs() < SOLVER_TOL);
    // Free riding: the individual bonus (same b, q) asks for more effort.
    let individual = argmax(0.0, 3.0, |x| {
        b * normal::cdf((x - q) / sigma) - 0.5 * c * x * x
    });
    assert!(
        individual > e_star + 0.05,
        "individual {individual} vs team {e_star}"
    );

    let mut w = World::new(&format!(
        "[plan.target_bonus]\namount = {b:?}\nthreshold = 1.0\nbasis = \"team\"\n"
    ));
    w.reps = reps;
    w.periods = 2;
    w.target = q;
    let model = w.model();
    let policy = policy_of(&model);
    assert!(
        matches!(policy.equilibrium(), behaviour::Equilibrium::Found { .. }),
        "{:?}",
        policy.equilibrium()
    );
    assert_policy_effort(&model, &policy, e_star, SOLVER_TOL, "team bonus");
    let (_, tally) = engine::run(&model, 77, 2048, &|_| {});
    let hit = tally.plan.summary(Metric::TeamTargetHitRate.index());
    let p = normal::cdf(r.sqrt() * (e_star - q) / sigma);
    assert_within_se(hit.mean, hit.std_err, p, "team hit rate");
}

/// A ratchet foreseen (docs/model.md section 8.7; Weitzman 1980): two monthly cycles,
/// a commission of beta on revenue above the target (`rate = 0`, a tier at 100 %), the
/// second target `(1 + g)` times the first month's output. With noise small against
/// the margins (sigma = 0.01; both months clear their targets by over 10 sigma, so
/// Phi = 1 to 1e-23), month 2's effort is `beta / c` and month 1's marginal pay `beta`
/// is reduced by `delta (1 + g) beta`, the discounted loss of month-2 pay per unit of
/// month-1 output: `e1 = beta (1 - delta (1 + g)) / c`. The status quo (a flat
/// commission of 0.05) sets the first target at `0.05 (1 + g)`. Myopic reps (delta = 0)
/// give `beta / c` in both months. Growth is -0.6 (each target 40 % of the last
/// output): a commission above a target T is worth its effort only while
/// `beta^2 / (2c) > beta T`, so month 2's target must stay below half of `beta / c`.
#[test]
fn ratchet_foresight_holds_back_first_period_effort_by_delta_one_plus_g() {
    let (beta, c, g) = (1.0, 1.0, -0.6);
    for (i, delta) in [0.0, 0.5, 0.9].into_iter().enumerate() {
        let mut w = World::new(&format!(
            "[plan.commission]\nrate = 0.0\non = \"revenue\"\ntiers = [{{ from = 1.0, rate = {beta:?} }}]\n"
        ));
        w.periods = 2;
        w.sigma = 0.01;
        w.cost = c;
        let text = w
            .toml()
            .replace(
                "revenue = { mode = \"absolute\", value = 1.0 }",
                &format!("revenue = {{ mode = \"ratchet\", growth = {g:?} }}\nforesight = {delta:?}"),
            )
            .replace(
                "[baseline]\nkpi = { revenue = 1.0, new_customers = 0.0 }",
                "[baseline]\nkpi = { revenue = 1.0, new_customers = 0.0 }\n\n[baseline.commission]\nrate = 0.05\non = \"revenue\"\n",
            );
        let valid = parse_and_validate(&text, "test", None)
            .unwrap_or_else(|e| panic!("invalid test scenario: {e:?}\n{text}"));
        let model = Model::new(&valid);
        let e1 = beta * (1.0 - delta * (1.0 + g)) / c;
        let e2 = beta / c;
        // The margins the closed form assumes: month 1 above 0.05 (1 + g), month 2 above
        // (1 + g) e1, and both interior optima worth more than no effort.
        let (t1, t2) = (0.05 * (1.0 + g), (1.0 + g) * e1);
        assert!(e1 - t1 > 10.0 * w.sigma && e2 - t2 > 10.0 * w.sigma);
        assert!(e1 * e1 / 2.0 > beta * t1 && e2 * e2 / 2.0 > beta * t2);
        let policy = policy_of(&model);
        let what = format!("ratchet delta={delta}");
        for rep in 0..model.reps().len() {
            for (t, expected) in [(0usize, e1), (1, e2)] {
                let planned = policy.planned()[rep][t].acquisition;
                assert!(
                    (planned - expected).abs() <= SOLVER_TOL,
                    "{what}: effort of rep {rep} in month {} is {planned}, theory {expected}",
                    t + 1
                );
            }
        }
        let (_, tally) = engine::run(&model, 3000 + i as u64, 512, &|_| {});
        let (mean, se) = output_per_rep_period(&model, &tally);
        assert_within_se(mean, se, 0.5 * (e1 + e2), &format!("{what}: mean output"));
    }
}
