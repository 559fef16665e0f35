//! Field studies rebuilt as plansim scenarios (scenarios/field/README.md): each
//! study's effect with its sign and order of magnitude, and its mechanism in the
//! outputs. Tolerances are in Monte Carlo standard errors (`Z`), on fixed seeds.

use std::path::Path;

use plansim_sim::engine::metrics::{Metric, PeriodMetric, N_PERIOD_METRICS};
use plansim_sim::engine::{self, by_rep, selection, timing};
use plansim_sim::model::Model;
use plansim_sim::scenario::{load, parse_and_validate};

/// Monte Carlo tolerance, in standard errors.
const Z: f64 = 5.0;

fn field(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/field")
        .join(name);
    Model::new(&load(&path).expect("field scenario loads"))
}

/// Lazear (2000): output per worker +44 % from hourly pay to a piece rate, about half
/// of it selection. plansim must give a rise of the same order (20 % to 90 %), with
/// selection's share between a quarter and three quarters, and the sorting that causes
/// it: under hourly pay the leavers are abler than the team, under the piece rate the
/// team is abler than under hourly pay.
#[test]
fn safelite_piece_rate_raises_output_about_half_by_selection() {
    let model = field("safelite.toml");
    let solved = engine::solve(&model);
    let d = selection::decompose(&model, &solved, 2000, 1000);
    println!("{d:#?}");
    let total_se = d.total_effect.std_err / d.baseline_revenue.mean;
    assert!(
        d.total_gain - Z * total_se > 0.20 && d.total_gain + Z * total_se < 0.90,
        "gain {}",
        d.total_gain
    );
    let share = d.selection_share;
    assert!(
        share.mean - Z * share.std_err > 0.25 && share.mean + Z * share.std_err < 0.75,
        "selection share {share:?}"
    );
    assert!(d.incentive_effect.mean - Z * d.incentive_effect.std_err > 0.0);
    // The effects add up to the whole, replication by replication.
    let sum = d.incentive_effect.mean + d.selection_effect.mean;
    assert!((sum - d.total_effect.mean).abs() <= 1e-9 * d.plan_revenue.mean);
    // Sorting: hourly pay loses its abler workers; the piece rate keeps them.
    let (b, p) = (d.baseline_composition, d.plan_composition);
    assert!(b.leavers > b.team + 5.0, "{b:?}");
    assert!(p.team > b.team + 2.0, "{p:?} against {b:?}");
    assert!(p.leavers_per_replication < b.leavers_per_replication);
    // Hires come from the pool (mean 60, sd 18): their mean is within 5 SE of it.
    let hires = b.leavers_per_replication * d.replications as f64;
    assert!((b.hires - 60.0).abs() < Z * 18.0 / hires.sqrt(), "{b:?}");
}

/// Chung, Steenburgh and Sudhir (2014): under a quarterly bonus the reps who give up
/// (work at the least effort once the target is out of reach) are the weak ones. On the
/// template's quarterly case (two quarters), the least able quintile gives up in a
/// larger share of its rep-months than the ablest, by more than 5 standard errors.
/// (Only the concentration is tested; the comparison of quarterly bonuses with an
/// annual quota that Chung et al. made is not built.)
#[test]
fn quarterly_give_up_is_concentrated_on_weak_reps() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/internet-company-quarterly.toml");
    let model = Model::new(&load(&path).expect("scenario loads"))
        .window(6)
        .expect("two quarters fit");
    let solved = engine::solve(&model);
    let b = by_rep::by_rep(&model, &solved, 12, 256);
    let (weak, strong) = (b.plan.quintiles[0], b.plan.quintiles[4]);
    println!("{weak:?}\n{strong:?}");
    let se = weak.given_up_std_err.hypot(strong.given_up_std_err);
    assert!(
        weak.given_up - strong.given_up > Z * se,
        "{weak:?} {strong:?}"
    );
    // Giving up grows through the quarter, as the target slips out of reach: the last
    // month's share exceeds the first's by 5 standard errors (taken as independent,
    // which overstates the error of a difference within the same replications), and
    // in the last month the least able quintile gives up more than the ablest.
    let phases = &b.plan.cycle_periods;
    assert_eq!(phases.len(), 3);
    let (first, last) = (phases[0], phases[2]);
    println!("{first:?}\n{last:?}");
    assert!(
        last.given_up - first.given_up > Z * last.given_up_std_err.hypot(first.given_up_std_err),
        "{first:?} {last:?}"
    );
    assert!(last.given_up_by_quintile[0] > last.given_up_by_quintile[4]);
}

/// Misra and Nair (2011): removing a commission ceiling and a ratcheting quota raised
/// revenue about 9 %, both parts contributing. Revenue per replication under the old
/// regime (ceiling and ratchet: `misra-nair.toml`'s baseline), with the ceiling removed
/// (its plan) and with both removed (`misra-nair-fixed-quota.toml`'s plan, the same
/// scenario with a fixed quota, which starts from the same status quo). Each part must
/// be positive by 5 standard errors (the ratchet's taken as if the two files' runs were
/// independent, which overstates it: they share their draws), the ratchet's part at
/// least 2 %, the whole between 4 % and 20 %. The mechanism: the ratchet's part comes
/// from reps' anticipation, so with myopic reps (`foresight = 0`) it is smaller by
/// 5 standard errors.
#[test]
fn misra_nair_ceiling_and_ratchet_both_raise_revenue() {
    let load_field = |name: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/field")
            .join(name);
        load(&path).expect("field scenario loads")
    };
    let ratchet = load_field("misra-nair.toml");
    let fixed = load_field("misra-nair-fixed-quota.toml");
    // The two files differ in their name and the revenue target alone.
    let mut same = fixed.scenario().clone();
    same.name = ratchet.scenario().name.clone();
    same.description = ratchet.scenario().description.clone();
    same.targets.revenue = ratchet.scenario().targets.revenue;
    assert_eq!(&same, ratchet.scenario());
    let myopic = {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/field/misra-nair.toml");
        let text = std::fs::read_to_string(path).expect("field scenario reads");
        let myopic = text.replace("foresight = 0.95 ", "foresight = 0.0 ");
        assert_ne!(myopic, text, "the file sets foresight = 0.95");
        Model::new(&parse_and_validate(&myopic, "misra-nair (myopic)", None).expect("validates"))
    };
    let revenue = Metric::Revenue.index();
    let (_, r) = engine::run(&Model::new(&ratchet), 2011, 400, &|_| {});
    let (_, f) = engine::run(&Model::new(&fixed), 2011, 400, &|_| {});
    let (_, m) = engine::run(&myopic, 2011, 400, &|_| {});
    let old = r.baseline.summary(revenue);
    let no_ceiling = r.plan.summary(revenue);
    let neither = f.plan.summary(revenue);
    let ceiling_gain = r.difference.summary(revenue);
    let part = |with_ratchet: &plansim_sim::tally::Summary| {
        let gain = neither.mean - with_ratchet.mean;
        let se = (neither.std_err.powi(2) + with_ratchet.std_err.powi(2)).sqrt();
        (gain / with_ratchet.mean, se / with_ratchet.mean)
    };
    let (ratchet_gain, ratchet_se) = part(&no_ceiling);
    let myopic_no_ceiling = m.plan.summary(revenue);
    let (myopic_gain, myopic_se) = part(&myopic_no_ceiling);
    let total = neither.mean / old.mean - 1.0;
    println!(
        "old {:.1}, no ceiling {:.1} (+{:.2} %), neither {:.1} (ratchet +{:.2} %, myopic +{:.2} %), total +{:.2} %",
        old.mean,
        no_ceiling.mean,
        100.0 * ceiling_gain.mean / old.mean,
        neither.mean,
        100.0 * ratchet_gain,
        100.0 * myopic_gain,
        100.0 * total
    );
    assert!(
        ceiling_gain.mean > Z * ceiling_gain.std_err,
        "{ceiling_gain:?}"
    );
    assert!(
        ratchet_gain > Z * ratchet_se,
        "ratchet {ratchet_gain} se {ratchet_se}"
    );
    assert!(ratchet_gain > 0.02, "ratchet's part {ratchet_gain}");
    assert!((0.04..0.20).contains(&total), "total {total}");
    let gap_se = (ratchet_se.powi(2) + myopic_se.powi(2)).sqrt();
    assert!(
        ratchet_gain - myopic_gain > Z * gap_se,
        "anticipation: {ratchet_gain} against myopic {myopic_gain} (se {gap_se})"
    );
}

/// Lazear's second channel of selection: applicants who respond to the plan
/// (`safelite-applicants.toml`, `team.hiring.applicant_sensitivity`). Under the piece
/// rate an abler applicant gains more against its outside option than under hourly
/// pay, so the plan's share of hires from each ability type relative to the
/// baseline's rises with ability, the plan's hires are abler than the baseline's by
/// more than 5 standard errors, and the selection effect is larger than in
/// `safelite.toml`, where applicants do not respond (same seeds).
#[test]
fn safelite_applicants_who_respond_sort_who_joins() {
    let model = field("safelite-applicants.toml");
    let solved = engine::solve(&model);
    let types = model.hiring().expect("a pool").type_count();
    let plan = solved
        .plan
        .hire_weights(0, types)
        .expect("applicants respond");
    let base = solved
        .baseline
        .hire_weights(0, types)
        .expect("applicants respond");
    let ratios: Vec<f64> = plan.iter().zip(&base).map(|(p, b)| p / b).collect();
    println!("plan {plan:?}\nbaseline {base:?}\nratios {ratios:?}");
    assert!(ratios.windows(2).all(|w| w[1] > w[0]), "{ratios:?}");
    let d = selection::decompose(&model, &solved, 2000, 1000);
    println!("{d:#?}");
    let (b, p) = (d.baseline_composition, d.plan_composition);
    // Hires' abilities spread like the pool's (sd 18), a little less once sorted.
    let se = 18.0
        * (1.0 / (b.leavers_per_replication * d.replications as f64)
            + 1.0 / (p.leavers_per_replication * d.replications as f64))
            .sqrt();
    assert!(p.hires - b.hires > Z * se, "{p:?} against {b:?}");
    let stay_only = selection::decompose(
        &field("safelite.toml"),
        &engine::solve(&field("safelite.toml")),
        2000,
        1000,
    );
    let gap = d.selection_gain - stay_only.selection_gain;
    let se = (d.selection_effect.std_err.powi(2) + stay_only.selection_effect.std_err.powi(2))
        .sqrt()
        / d.baseline_revenue.mean;
    assert!(
        gap > Z * se,
        "selection {} against {}",
        d.selection_gain,
        stay_only.selection_gain
    );
    // The decomposition still adds up exactly with hires replayed.
    let sum = d.incentive_effect.mean + d.selection_effect.mean;
    assert!((sum - d.total_effect.mean).abs() <= 1e-9 * d.plan_revenue.mean);
}

/// Larkin (2014), Oyer (1998): under an accelerating annual commission, salespeople move
/// deals across the fiscal year's end, pulling deals in at a discount and pushing others
/// out, at a cost Larkin puts at 6-8 % of revenue. In `larkin.toml` (the accelerating
/// plan; its baseline is the linear status quo) the revenue lost to timing must have the
/// study's order of magnitude: within a factor of four of it, 1.5 % to 30 % of the
/// revenue of the year whose end lets deals move, by 5 standard errors. The mechanism:
/// deals are both pulled and pushed; the linear status quo moves none (exact zeros); the
/// year's last month books the pulled deals (its revenue exceeds the month before's);
/// and the plan's revenue over the two years falls against the same plan without
/// timing games, paired on the same draws, while that of the linear plan of equal cost
/// (`larkin-linear.toml`) does not move at all.
#[test]
fn larkin_accelerating_plan_loses_revenue_to_timing_games() {
    let text = |name: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/field")
            .join(name);
        std::fs::read_to_string(path).expect("field scenario reads")
    };
    let without_timing = |text: &str| {
        let start = text
            .find("\n[team.deal_timing]")
            .expect("opens deal timing")
            + 1;
        let end = start + text[start..].find("\n\n").expect("a blank line ends it") + 2;
        let off = format!("{}{}", &text[..start], &text[end..]);
        Model::new(&parse_and_validate(&off, "without timing", None).expect("validates"))
    };
    let (n, seed) = (400, 2014);
    let model = field("larkin.toml");
    let solved = engine::solve(&model);
    let t = timing::timing(&model, &solved, seed, n);
    let (lost, pulled, pushed) = (
        t.plan.revenue_lost_share,
        t.plan.pulled_share,
        t.plan.pushed_share,
    );
    println!("lost {lost:?}, pulled {pulled:?}, pushed {pushed:?}");
    assert!(
        lost.mean - Z * lost.std_err > 0.015 && lost.mean + Z * lost.std_err < 0.30,
        "lost share {lost:?}"
    );
    assert!(pulled.mean > Z * pulled.std_err, "{pulled:?}");
    assert!(pushed.mean > Z * pushed.std_err, "{pushed:?}");
    let b = &t.baseline;
    assert_eq!(
        (b.pulled.mean, b.pushed.mean, b.revenue_lost.mean),
        (0.0, 0.0, 0.0)
    );
    // The year's end: month 12 books the pulled deals.
    let (_, run) = engine::run(&model, seed, n, &|_| {});
    let month = |t: usize| {
        *run.plan_periods
            .moments(t * N_PERIOD_METRICS + PeriodMetric::Revenue.index())
    };
    let (m11, m12) = (month(10), month(11));
    let se = m11.std_err().hypot(m12.std_err());
    println!(
        "month 11 {:.1}, month 12 {:.1} (se {se:.1})",
        m11.mean, m12.mean
    );
    assert!(m12.mean - m11.mean > Z * se, "{m11:?} {m12:?}");
    // Revenue over the horizon against the same plans without timing games, paired.
    let revenue = Metric::Revenue.index();
    let paired_gap = |on: &Model, off: &Model| {
        let a = engine::run_plan(on, on.plan(), &engine::solve(on).plan, seed, n, &|_| {});
        let b = engine::run_plan(off, off.plan(), &engine::solve(off).plan, seed, n, &|_| {});
        let (a, b) = (a.values(revenue).unwrap(), b.values(revenue).unwrap());
        let mut d = plansim_sim::tally::Moments::default();
        for (x, y) in a.iter().zip(b) {
            d.push(x - y);
        }
        let base = b.iter().sum::<f64>() / b.len() as f64;
        (d.mean / base, d.std_err() / base)
    };
    let (fall, fall_se) = paired_gap(&model, &without_timing(&text("larkin.toml")));
    println!("accelerating plan's revenue with timing games: {fall:+.4} (se {fall_se:.4})");
    assert!(fall < -Z * fall_se, "{fall} {fall_se}");
    let linear = field("larkin-linear.toml");
    let (gap, _) = paired_gap(&linear, &without_timing(&text("larkin-linear.toml")));
    assert_eq!(gap, 0.0, "the linear plan's revenue moved");
}

/// Chung, Steenburgh and Sudhir (2014): against an annual quota paid only above it
/// (`chung.toml`), quarterly bonuses on each quarter's own quota
/// (`chung-quarterly.toml`, about the same cost) raise revenue, most among the weak
/// reps, who under the annual quota alone give up once the year's quota is out of
/// reach. Both files share the seed and the team (common random numbers); the
/// quintiles' gains are compared as if independent, which overstates their error.
#[test]
fn chung_quarterly_bonuses_pace_weak_reps_who_give_up_on_an_annual_quota() {
    let (n, seed) = (200, 2014);
    let annual = field("chung.toml");
    let quarterly = field("chung-quarterly.toml");
    let (sa, sq) = (engine::solve(&annual), engine::solve(&quarterly));
    // Revenue over the year, paired replication by replication.
    let revenue = Metric::Revenue.index();
    let cost = Metric::IncentiveCost.index();
    let ra = engine::run_plan(&annual, annual.plan(), &sa.plan, seed, n, &|_| {});
    let rq = engine::run_plan(&quarterly, quarterly.plan(), &sq.plan, seed, n, &|_| {});
    let paired = |m: usize| {
        let (a, q) = (ra.values(m).unwrap(), rq.values(m).unwrap());
        let mut d = plansim_sim::tally::Moments::default();
        for (x, y) in q.iter().zip(a) {
            d.push(x - y);
        }
        let base = a.iter().sum::<f64>() / a.len() as f64;
        (d.mean / base, d.std_err() / base)
    };
    let (gain, gain_se) = paired(revenue);
    let (extra_cost, extra_cost_se) = paired(cost);
    println!("revenue gain {gain:.4} (se {gain_se:.4}), cost change {extra_cost:.4} (se {extra_cost_se:.4})");
    assert!(gain - Z * gain_se > 0.0, "gain {gain} se {gain_se}");
    let a = by_rep::by_rep(&annual, &sa, seed, n).plan;
    let q = by_rep::by_rep(&quarterly, &sq, seed, n).plan;
    for (x, y) in a.quintiles.iter().zip(&q.quintiles) {
        println!(
            "quintile {}: revenue {:.2} -> {:.2}, given up {:.4} -> {:.4}",
            x.quintile, x.revenue, y.revenue, x.given_up, y.given_up
        );
    }
    // The gain is concentrated among the weak: the least able quintile's relative
    // revenue gain exceeds the ablest's.
    let relative = |k: usize| {
        let (x, y) = (a.quintiles[k], q.quintiles[k]);
        let g = y.revenue / x.revenue - 1.0;
        let se = (y.revenue / x.revenue)
            * (y.revenue_std_err / y.revenue).hypot(x.revenue_std_err / x.revenue);
        (g, se)
    };
    let ((weak, weak_se), (strong, strong_se)) = (relative(0), relative(4));
    assert!(
        weak - strong > Z * weak_se.hypot(strong_se),
        "weak {weak} ({weak_se}), strong {strong} ({strong_se})"
    );
    // The mechanism: the least able quintile gives up less with quarterly bonuses.
    let (wa, wq) = (a.quintiles[0], q.quintiles[0]);
    assert!(
        wa.given_up - wq.given_up > Z * wa.given_up_std_err.hypot(wq.given_up_std_err),
        "{wa:?} {wq:?}"
    );
    // Under the annual quota alone, giving up rises through the year: the last
    // quarter's months against the first's, by 5 standard errors (taken as
    // independent), and in the year's last month the least able quintile gives up more
    // than the ablest.
    let months = &a.cycle_periods;
    assert_eq!(months.len(), 12);
    for m in months {
        println!(
            "month {:2}: given up {:.4} (se {:.4}), by quintile {:.3?}",
            m.period_of_cycle, m.given_up, m.given_up_std_err, m.given_up_by_quintile
        );
    }
    let quarter = |q: usize| {
        let ms = &months[3 * q..3 * q + 3];
        let share = ms.iter().map(|m| m.given_up).sum::<f64>() / 3.0;
        let se = ms
            .iter()
            .map(|m| m.given_up_std_err.powi(2))
            .sum::<f64>()
            .sqrt()
            / 3.0;
        (share, se)
    };
    let ((first, first_se), (last, last_se)) = (quarter(0), quarter(3));
    assert!(
        last - first > Z * first_se.hypot(last_se),
        "first quarter {first} ({first_se}), last {last} ({last_se})"
    );
    let december = months[11].given_up_by_quintile;
    assert!(december[0] > december[4], "{december:?}");
}
