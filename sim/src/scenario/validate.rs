//! Checks a [`Scenario`] and lists every problem at once.

use super::params::{get_param, plan_param, PlanParam, PLAN_PARAMS};
use super::problems::{fmt_num, Problems};
use super::types::*;

/// Largest team, horizon and replication count plansim accepts.
pub const MAX_TEAM: u32 = 100_000;
/// Longest horizon in periods (ten years of months). Raises compound: over longer
/// horizons the default scenario's salaries, and with them every cost figure, grow
/// past anything a salary band allows (a cost of sales of 4.6 % over 12 months, 6.4 %
/// over 120, 13 million % over 1200), and the model has no salary bands.
pub const MAX_PERIODS: u32 = 120;

/// Smallest and largest mean selling ability (of the team's distribution, or a roster
/// rep's). Below 0.01 a team sells nothing in most replications and the ratios of its
/// figures (growth, cost of sales) are undefined; 100 is a hundred times the reference rep.
pub const ABILITY: (f64, f64) = (0.01, 100.0);
/// Smallest and largest monthly base salary (money).
pub const BASE_SALARY: (f64, f64) = (1.0, 1e12);
/// Smallest and largest sales skill (initial and ceiling), for the same reason as [`ABILITY`].
pub const SKILL: (f64, f64) = (0.01, 100.0);
/// Largest book of customers per rep.
pub const MAX_BOOK: f64 = 1e7;
/// Largest revenue a roster row may report for last year (money).
pub const MAX_LAST_YEAR_REVENUE: f64 = 1e15;
/// Largest number of new customers a roster row may report for last year.
pub const MAX_LAST_YEAR_NEW_CUSTOMERS: f64 = 1e9;
/// Highest job level a roster row may give.
pub const MAX_LEVEL: u32 = 100;
/// Longest tenure in months a roster row may give (60 years).
pub const MAX_TENURE_MONTHS: u32 = 720;

/// The range each numeric field of `s` is checked against, by path, as the checks
/// themselves state it (fields of sections `s` leaves out are not checked, so not listed).
pub fn checked_ranges(s: &Scenario) -> Vec<(String, super::params::ValidRange)> {
    let mut p = Problems::default();
    check(s, &mut p);
    p.checked_ranges()
}

/// Records every problem of `s` into `p`.
pub fn check(s: &Scenario, p: &mut Problems) {
    check_simulation(&s.simulation, p);
    check_team(&s.team, p);
    check_market(&s.market, p);
    check_outcome(&s.outcome, p);
    check_targets(&s.targets, p);
    check_plan("plan", &s.plan, s, p);
    check_plan("baseline", &s.baseline, s, p);
    if let Some(b) = &s.budget {
        p.positive("budget.incentive_cost", b.incentive_cost, 1e15);
    }
    if let Some(o) = &s.optimize {
        check_optimize(o, s, p);
    }
    if let Some(r) = &s.rounds {
        check_rounds(r, s, p);
    }
    super::sensitivity::check(s, p);
    if let Some(h) = &s.team.hiring {
        check_hiring(h, s, p);
    }
    if let Some(d) = &s.team.deal_timing {
        check_deal_timing(d, s, p);
    }
    if s.team.planning == Planning::ClosedLoop {
        check_closed_loop(s, p);
    }
}

/// Checks `team.planning = "closed_loop"` (docs/model.md section 8.9): the backward
/// induction runs on each rep's own attainment alone, so it refuses pay that depends
/// on the team's results or the others' ranks, tiered commission, deals that move
/// across the cycle's end and foreseen ratchets.
fn check_closed_loop(s: &Scenario, p: &mut Problems) {
    const WHY: &str = "the closed loop's state is the rep's own attainment so far alone";
    for (name, plan) in [("plan", &s.plan), ("baseline", &s.baseline)] {
        if plan
            .target_bonus
            .as_ref()
            .is_some_and(|b| b.basis == Basis::Team)
        {
            p.push(
                "team.planning",
                format!(
                    "\"closed_loop\" cannot be combined with {name}.target_bonus.basis = \"team\": \
                     {WHY}, not the team's"
                ),
            );
        }
        if plan
            .promotion
            .as_ref()
            .is_some_and(|pr| pr.mode == PromotionMode::Tournament)
        {
            p.push(
                "team.planning",
                format!(
                    "\"closed_loop\" cannot be combined with {name}.promotion.mode = \
                     \"tournament\": {WHY}, not the others' ranks"
                ),
            );
        }
        if plan.satisfaction.is_some() {
            p.push(
                "team.planning",
                format!(
                    "\"closed_loop\" cannot be combined with [{name}.satisfaction]: the gate and \
                     multiplier read the cycle's mean satisfaction, which {WHY} does not track"
                ),
            );
        }
        if plan
            .training
            .as_ref()
            .is_some_and(|t| t.eligibility == TrainingEligibility::Top && t.top_share < 1.0)
        {
            p.push(
                "team.planning",
                format!(
                    "\"closed_loop\" cannot be combined with {name}.training.eligibility = \
                     \"top\" (training as a reward): its chance is not yet split into the \
                     period's pay and the cycle's close"
                ),
            );
        }
        if plan
            .commission
            .as_ref()
            .is_some_and(|c| !c.tiers.is_empty())
        {
            p.push(
                "team.planning",
                format!(
                    "\"closed_loop\" cannot be combined with {name}.commission.tiers: tiered \
                     commission is not yet split into the period's pay and the cycle's close"
                ),
            );
        }
    }
    if s.team.deal_timing.is_some() {
        p.push(
            "team.planning",
            "\"closed_loop\" cannot be combined with [team.deal_timing]: the timing decision \
             at the cycle's close is not part of the backward induction",
        );
    }
    if s.targets.foresight > 0.0 {
        p.push(
            "team.planning",
            format!(
                "\"closed_loop\" cannot be combined with targets.foresight > 0 (got {}): the \
                 ratchet's shadow prices are not part of the backward induction",
                fmt_num(s.targets.foresight)
            ),
        );
    }
}

/// Checks `[team.deal_timing]`: shares in [0, 1] (a discount below 1), a window of 1
/// period up to the shorter of the two plans' cycles, and no pay that depends on the
/// team or a hiring pool (a rep's timing decision weighs its own pay alone, with the
/// slot's own policy).
fn check_deal_timing(d: &DealTimingSection, s: &Scenario, p: &mut Problems) {
    p.range("team.deal_timing.pull_discount", d.pull_discount, 0.0, 0.99);
    p.range("team.deal_timing.push_loss", d.push_loss, 0.0, 1.0);
    p.range(
        "team.deal_timing.max_pull_share",
        d.max_pull_share,
        0.0,
        1.0,
    );
    p.range(
        "team.deal_timing.max_push_share",
        d.max_push_share,
        0.0,
        1.0,
    );
    let cycle = s.plan.cycle.periods().min(s.baseline.cycle.periods());
    if d.window == 0 || d.window > cycle {
        p.push(
            "team.deal_timing.window",
            format!(
                "must be between 1 and the shorter of the plan's and the baseline's cycles \
                 ({cycle} periods), got {}",
                d.window
            ),
        );
    }
    if s.team.hiring.is_some() {
        p.push(
            "team.deal_timing",
            "cannot be combined with [team.hiring]: a hire's timing decision would need its \
             ability type's policy, which is not built",
        );
    }
    for (name, plan) in [("plan", &s.plan), ("baseline", &s.baseline)] {
        let team_bonus = plan
            .target_bonus
            .as_ref()
            .is_some_and(|b| b.basis == Basis::Team);
        let tournament = plan
            .promotion
            .as_ref()
            .is_some_and(|pr| pr.mode == PromotionMode::Tournament);
        if team_bonus || tournament {
            p.push(
                "team.deal_timing",
                format!(
                    "cannot be combined with {name}'s team-basis target bonus or promotion \
                     tournament: a rep's timing decision weighs its own pay alone"
                ),
            );
        }
        if plan.satisfaction.is_some() {
            p.push(
                "team.deal_timing",
                format!(
                    "cannot be combined with [{name}.satisfaction]: a rep's timing decision \
                     does not value the satisfaction gate or multiplier"
                ),
            );
        }
    }
}

/// Range of `team.hiring.applicant_sensitivity` (a share of salary): above zero (a
/// step at zero surplus has no scale) and at most 100 (beyond it acceptance barely
/// varies with any surplus a plan can make).
pub const APPLICANT_SENSITIVITY: (f64, f64) = (1e-3, 100.0);

/// Most ability types of a hiring pool.
pub const MAX_HIRE_TYPES: u32 = 25;

/// Checks `[team.hiring]`: a positive pool, 2 to [`MAX_HIRE_TYPES`] types, and no plan
/// whose pay depends on the team (a hire's behaviour is solved on its own, without
/// the team's equilibrium).
fn check_hiring(h: &HiringSection, s: &Scenario, p: &mut Problems) {
    p.range(
        "team.hiring.ability.mean",
        h.ability.mean,
        ABILITY.0,
        ABILITY.1,
    );
    p.range("team.hiring.ability.sd", h.ability.sd, 0.0, ABILITY.1);
    if h.types < 2 || h.types > MAX_HIRE_TYPES {
        p.push(
            "team.hiring.types",
            format!("must be between 2 and {MAX_HIRE_TYPES}, got {}", h.types),
        );
    }
    p.range(
        "team.hiring.outside_option_per_ability",
        h.outside_option_per_ability,
        -1e12,
        1e12,
    );
    if let Some(sensitivity) = h.applicant_sensitivity {
        p.range(
            "team.hiring.applicant_sensitivity",
            sensitivity,
            APPLICANT_SENSITIVITY.0,
            APPLICANT_SENSITIVITY.1,
        );
    }
    for (name, plan) in [("plan", &s.plan), ("baseline", &s.baseline)] {
        let team_bonus = plan
            .target_bonus
            .as_ref()
            .is_some_and(|b| b.basis == Basis::Team);
        let team_raise = plan
            .salary_adjustment
            .as_ref()
            .is_some_and(|a| a.team_weight != 0.0);
        let tournament = plan
            .promotion
            .as_ref()
            .is_some_and(|pr| pr.mode == PromotionMode::Tournament);
        if team_bonus || team_raise || tournament {
            p.push(
                "team.hiring",
                format!(
                    "cannot be combined with {name}'s team-basis target bonus, team-weighted \
                     salary adjustment or promotion tournament: hires' behaviour is solved \
                     without the team's equilibrium"
                ),
            );
        }
    }
}

fn check_rounds(r: &RoundsSection, s: &Scenario, p: &mut Problems) {
    if r.rounds == 0 || r.rounds > MAX_PERIODS {
        p.push(
            "rounds.rounds",
            format!("must be between 1 and {MAX_PERIODS}, got {}", r.rounds),
        );
    }
    let cycle = s.plan.cycle.periods();
    if r.round_length == 0 || r.round_length % cycle != 0 {
        p.push(
            "rounds.round_length",
            format!(
                "must be a positive multiple of the plan's cycle ({cycle} periods), got {}",
                r.round_length
            ),
        );
    }
    if r.rounds.saturating_mul(r.round_length) > MAX_PERIODS {
        p.push(
            "rounds.rounds",
            format!("rounds x round_length must be at most {MAX_PERIODS}"),
        );
    }
    if r.policy == RoundPolicyKind::Rule && r.rules.is_empty() {
        p.push("rounds.rules", "the rule policy needs at least one rule");
    }
    if r.policy == RoundPolicyKind::Reoptimize && s.optimize.is_none() {
        p.push(
            "rounds.policy",
            "reoptimize needs an [optimize] section (its decision variables and budget)",
        );
    }
    if r.reoptimize_evaluations == 0 {
        p.push("rounds.reoptimize_evaluations", "must be at least 1, got 0");
    }
    if r.reoptimize_replications == 0 {
        p.push(
            "rounds.reoptimize_replications",
            "must be at least 1, got 0",
        );
    }
    if r.planning_replications == 0 {
        p.push("rounds.planning_replications", "must be at least 1, got 0");
    }
    let mut seen = std::collections::HashSet::new();
    let mut adjusted = Vec::new();
    for (i, rule) in r.rules.iter().enumerate() {
        let at = format!("rounds.rules[{i}]");
        if !seen.insert(rule.path.as_str()) {
            p.push(
                format!("{at}.path"),
                format!(
                    "`{}` has two rules; one rule per parameter (the last would silently win)",
                    rule.path
                ),
            );
        }
        p.range(&format!("{at}.gain"), rule.gain, 0.0, 100.0);
        if let Some(a) = check_bounds(at, &rule.path, rule.min, rule.max, s, p) {
            adjusted.push(a);
        }
    }
    check_together(&adjusted, s, p);
}

/// A plan parameter a search or a rule adjusts within bounds inside its valid range.
struct Adjusted {
    param: &'static PlanParam,
    min: f64,
    max: f64,
    /// Where the bounds are written (`optimize.variables[0]`).
    at: String,
}

/// Checks the parameter and bounds `[min, max]` a search or a rule written at `at`
/// gives: a known plan parameter whose mechanism is in the plan and in effect, finite
/// bounds in order and inside the parameter's valid range. Returns it when all hold.
fn check_bounds(
    at: String,
    path: &str,
    min: f64,
    max: f64,
    s: &Scenario,
    p: &mut Problems,
) -> Option<Adjusted> {
    let mut ok = true;
    let param = if !path.starts_with("plan.") {
        p.push(
            format!("{at}.path"),
            format!("must be a parameter of the plan (plan.*), got `{path}`"),
        );
        None
    } else {
        match get_param(s, path) {
            Ok(_) => plan_param(path).ok(),
            Err(e) => {
                p.push(format!("{at}.path"), e.to_string());
                None
            }
        }
    };
    if let Some(param) = param {
        if let Some(when) = param.used_only().filter(|_| !param.in_effect(&s.plan)) {
            p.push(
                format!("{at}.path"),
                format!("{path} is used only {when}; adjusting it would change nothing"),
            );
            ok = false;
        }
    }
    if !(min.is_finite() && max.is_finite()) {
        p.push(
            format!("{at}.min"),
            format!("bounds must be finite numbers, got [{min}, {max}]"),
        );
        return None;
    }
    if min >= max {
        p.push(
            format!("{at}.max"),
            format!(
                "must be greater than min ({}), got {}",
                fmt_num(min),
                fmt_num(max)
            ),
        );
        ok = false;
    }
    let param = param?;
    for (end, x) in [("min", min), ("max", max)] {
        if !param.range.contains(x) {
            p.push(
                format!("{at}.{end}"),
                format!(
                    "must lie within the valid range of {path}, {}, got {}",
                    param.range.words(),
                    fmt_num(x)
                ),
            );
            ok = false;
        }
    }
    ok.then_some(Adjusted {
        param,
        min,
        max,
        at,
    })
}

/// Checks the constraints between plan fields that hold for each value alone but not
/// for every combination within the bounds of the parameters adjusted together.
fn check_together(adjusted: &[Adjusted], s: &Scenario, p: &mut Problems) {
    let find = |path: &str| adjusted.iter().find(|a| a.param.path == path);
    // The values a field can take: its bounds when adjusted, else the plan's value.
    let span = |path: &str| match find(path) {
        Some(a) => Some((a.min, a.max)),
        None => get_param(s, path).ok().map(|x| (x, x)),
    };
    let (ramp, threshold) = ("plan.target_bonus.ramp_from", "plan.target_bonus.threshold");
    if let (Some(r), Some(t)) = (span(ramp), span(threshold)) {
        if r.1 >= t.0 {
            let message = format!(
                "{ramp} must stay below {threshold}, but ramp_from can be {} where threshold can be {}",
                fmt_num(r.1),
                fmt_num(t.0)
            );
            if let Some(a) = find(ramp) {
                p.push(format!("{}.max", a.at), message);
            } else if let Some(a) = find(threshold) {
                p.push(format!("{}.min", a.at), message);
            }
        }
    }
    let (revenue, customers) = ("plan.kpi.revenue", "plan.kpi.new_customers");
    if let (Some(r), Some(c)) = (span(revenue), span(customers)) {
        if r.0 + c.0 <= 0.0 {
            if let Some(a) = find(revenue).or(find(customers)) {
                p.push(
                    format!("{}.min", a.at),
                    format!(
                        "{revenue} and {customers} must not both be 0, as both lower bounds allow"
                    ),
                );
            }
        }
    }
    if let Some(a) = find(customers) {
        if s.outcome.model == OutcomeKind::LinearNormal {
            p.push(
                format!("{}.path", a.at),
                format!("{customers} must stay 0 with outcome.model = \"linear_normal\", which has no customers"),
            );
        }
    }
    let cycle = s.plan.cycle.periods();
    if let Some(a) = find("plan.salary_adjustment.review_every") {
        if cycle > 1 {
            p.push(
                format!("{}.path", a.at),
                format!("plan.salary_adjustment.review_every must stay a multiple of the cycle ({cycle} months), which values within bounds are not; it can be adjusted only with a monthly cycle"),
            );
        }
    }
}

fn check_optimize(o: &OptimizeSection, s: &Scenario, p: &mut Problems) {
    if let Some(b) = o.budget {
        p.positive("optimize.budget", b, 1e15);
    } else if s.budget.is_none() {
        p.push(
            "optimize.budget",
            "no budget: set optimize.budget or budget.incentive_cost",
        );
    }
    if let Some(a) = o.max_overrun_probability {
        if !(a.is_finite() && a > 0.0 && a < 1.0) {
            p.push(
                "optimize.max_overrun_probability",
                format!("must be strictly between 0 and 1, got {a}"),
            );
        }
    }
    if o.replications == Some(0) {
        p.push("optimize.replications", "must be at least 1, got 0");
    }
    if o.certify_replications == Some(0) {
        p.push("optimize.certify_replications", "must be at least 1, got 0");
    }
    if o.max_evaluations == 0 {
        p.push("optimize.max_evaluations", "must be at least 1, got 0");
    }
    if o.variables.is_empty() {
        p.push(
            "optimize.variables",
            "must list at least one decision variable",
        );
    }
    let mut seen = std::collections::HashSet::new();
    let mut adjusted = Vec::new();
    for (i, v) in o.variables.iter().enumerate() {
        let at = format!("optimize.variables[{i}]");
        if !seen.insert(v.path.as_str()) {
            p.push(format!("{at}.path"), format!("`{}` appears twice", v.path));
        }
        let current = get_param(s, &v.path).ok();
        let param = plan_param(&v.path).ok();
        if let Some(a) = check_bounds(at.clone(), &v.path, v.min, v.max, s, p) {
            adjusted.push(a);
        }
        let ordered = v.min.is_finite() && v.max.is_finite() && v.min < v.max;
        match (v.start, current) {
            (Some(x), _) if param.is_some_and(|q| !q.range.contains(x)) => p.push(
                format!("{at}.start"),
                format!(
                    "must lie within the valid range of {}, {}, got {}",
                    v.path,
                    param.map(|q| q.range.words()).unwrap_or_default(),
                    fmt_num(x)
                ),
            ),
            (Some(x), _) if !(x.is_finite() && (!ordered || (x >= v.min && x <= v.max))) => p.push(
                format!("{at}.start"),
                format!(
                    "must be within [{}, {}], got {}",
                    fmt_num(v.min),
                    fmt_num(v.max),
                    fmt_num(x)
                ),
            ),
            (None, Some(x)) if ordered && (x < v.min || x > v.max) => p.push(
                format!("{at}.min"),
                format!(
                    "the plan's current value {} of {} is outside [{}, {}]; widen the bounds or set start",
                    fmt_num(x),
                    v.path,
                    fmt_num(v.min),
                    fmt_num(v.max)
                ),
            ),
            _ => {}
        }
    }
    check_together(&adjusted, s, p);
}

fn check_simulation(s: &SimulationSection, p: &mut Problems) {
    if s.periods == 0 || s.periods > MAX_PERIODS {
        p.push(
            "simulation.periods",
            format!("must be between 1 and {MAX_PERIODS}, got {}", s.periods),
        );
    }
    if s.replications == 0 {
        p.push("simulation.replications", "must be at least 1, got 0");
    }
}

fn check_trait(path: &str, d: &TraitDistribution, positive: bool, hi: f64, p: &mut Problems) {
    let mean_path = format!("{path}.mean");
    if positive {
        p.positive(&mean_path, d.mean, hi);
    } else {
        p.range(&mean_path, d.mean, 0.0, hi);
    }
    p.range(&format!("{path}.sd"), d.sd, 0.0, hi);
}

fn check_team(t: &TeamSection, p: &mut Problems) {
    if t.roster.is_none() && (t.size == 0 || t.size > MAX_TEAM) {
        p.push(
            "team.size",
            format!("must be between 1 and {MAX_TEAM}, got {}", t.size),
        );
    }
    p.range("team.ability.mean", t.ability.mean, ABILITY.0, ABILITY.1);
    p.range("team.ability.sd", t.ability.sd, 0.0, ABILITY.1);
    check_trait("team.effort_cost", &t.effort_cost, true, 1e12, p);
    check_trait("team.risk_aversion", &t.risk_aversion, false, 1000.0, p);
    check_trait("team.promotion_value", &t.promotion_value, false, 1e12, p);
    p.range(
        "team.outside_premium.mean",
        t.outside_premium.mean,
        -1e12,
        1e12,
    );
    p.range("team.outside_premium.sd", t.outside_premium.sd, 0.0, 1e12);
    p.range(
        "team.base_salary.mean",
        t.base_salary.mean,
        BASE_SALARY.0,
        BASE_SALARY.1,
    );
    p.range("team.base_salary.sd", t.base_salary.sd, 0.0, BASE_SALARY.1);
    p.range("team.initial_skill", t.initial_skill, SKILL.0, SKILL.1);
    p.range("team.max_skill", t.max_skill, SKILL.0, SKILL.1);
    if t.max_skill.is_finite() && t.initial_skill.is_finite() && t.max_skill < t.initial_skill {
        p.push(
            "team.max_skill",
            format!(
                "must be at least team.initial_skill ({}), got {}",
                t.initial_skill, t.max_skill
            ),
        );
    }
    for (name, e) in [
        ("min_effort", &t.min_effort),
        ("max_effort", &t.max_effort),
        ("reference_effort", &t.reference_effort),
    ] {
        p.range(
            &format!("team.{name}.acquisition"),
            e.acquisition,
            0.0,
            100.0,
        );
        p.range(&format!("team.{name}.service"), e.service, 0.0, 100.0);
    }
    for (task, lo, hi, r) in [
        (
            "acquisition",
            t.min_effort.acquisition,
            t.max_effort.acquisition,
            t.reference_effort.acquisition,
        ),
        (
            "service",
            t.min_effort.service,
            t.max_effort.service,
            t.reference_effort.service,
        ),
    ] {
        if hi <= lo {
            p.push(
                format!("team.max_effort.{task}"),
                format!("must be greater than team.min_effort.{task} ({lo}), got {hi}"),
            );
        } else if r < lo || r > hi {
            p.push(
                format!("team.reference_effort.{task}"),
                format!(
                    "must be between team.min_effort and team.max_effort ({lo} to {hi}), got {r}"
                ),
            );
        }
    }
    if let Some(b) = t.initial_book {
        p.range("team.initial_book", b, 0.0, MAX_BOOK);
    }
    p.range("team.base_quit_rate", t.base_quit_rate, 0.0, 1.0);
    p.range("team.max_quit_rate", t.max_quit_rate, 0.0, 1.0);
    if t.max_quit_rate < t.base_quit_rate {
        p.push(
            "team.max_quit_rate",
            format!(
                "must be at least team.base_quit_rate ({}), got {}",
                t.base_quit_rate, t.max_quit_rate
            ),
        );
    }
    p.positive("team.quit_sensitivity", t.quit_sensitivity, 100.0);
    p.range("team.handover_loss", t.handover_loss, 0.0, 1.0);
    if t.ramp_periods > 120 {
        p.push(
            "team.ramp_periods",
            format!("must be between 0 and 120, got {}", t.ramp_periods),
        );
    }
    if let Some(r) = &t.roster {
        if r.trim().is_empty() {
            p.push("team.roster", "must name a CSV file");
        }
    }
}

fn check_market(m: &MarketSection, p: &mut Problems) {
    if m.seasonality.is_empty() {
        p.push("market.seasonality", "must list at least one multiplier");
    }
    for (i, &s) in m.seasonality.iter().enumerate() {
        p.positive(&format!("market.seasonality[{i}]"), s, 10.0);
    }
    p.range("market.shock_sd", m.shock_sd, 0.0, 2.0);
    p.range("market.shock_persistence", m.shock_persistence, 0.0, 0.99);
}

fn check_outcome(o: &OutcomeSection, p: &mut Problems) {
    let f = &o.funnel;
    // The funnel's multipliers have floors for the reason ABILITY has: below them a
    // team sells nothing in most replications.
    p.range(
        "outcome.funnel.new_customers_per_effort",
        f.new_customers_per_effort,
        0.01,
        1000.0,
    );
    p.range("outcome.funnel.conversion", f.conversion, 0.001, 1.0);
    p.range("outcome.funnel.deal_size.mean", f.deal_size.mean, 1.0, 1e12);
    p.range("outcome.funnel.deal_size.sd", f.deal_size.sd, 0.0, 1e12);
    p.range(
        "outcome.funnel.recurring_revenue",
        f.recurring_revenue,
        0.0,
        1e12,
    );
    p.range(
        "outcome.funnel.churn_at_zero_service",
        f.churn_at_zero_service,
        0.0,
        1.0,
    );
    p.range(
        "outcome.funnel.churn_service_rate",
        f.churn_service_rate,
        0.0,
        100.0,
    );
    if !(f.satisfaction_at_unit_service.is_finite()
        && f.satisfaction_at_unit_service > 0.0
        && f.satisfaction_at_unit_service < 100.0)
    {
        p.push(
            "outcome.funnel.satisfaction_at_unit_service",
            format!(
                "must be strictly between 0 and 100, got {}",
                f.satisfaction_at_unit_service
            ),
        );
    }
    p.range(
        "outcome.funnel.satisfaction_service_slope",
        f.satisfaction_service_slope,
        -20.0,
        20.0,
    );
    p.range(
        "outcome.funnel.satisfaction_noise",
        f.satisfaction_noise,
        0.0,
        20.0,
    );
    p.range(
        "outcome.linear_normal.noise_sd",
        o.linear_normal.noise_sd,
        0.0,
        1e12,
    );
}

fn check_targets(t: &TargetsSection, p: &mut Problems) {
    if !(t.foresight.is_finite() && (0.0..1.0).contains(&t.foresight)) {
        p.push(
            "targets.foresight".to_string(),
            format!(
                "must be a discount factor at least 0 and below 1, got {}",
                t.foresight
            ),
        );
    }
    if let Some(spec) = &t.satisfaction {
        if spec.mode != TargetMode::Absolute {
            p.push(
                "targets.satisfaction.mode",
                "must be \"absolute\": the target is a level (0-100) of the cycle's mean \
                 monthly satisfaction score, given as value",
            );
        }
        p.positive("targets.satisfaction.value", spec.value, 100.0);
    }
    for (name, spec) in [("revenue", &t.revenue), ("new_customers", &t.new_customers)] {
        match spec.mode {
            TargetMode::Absolute => p.positive(&format!("targets.{name}.value"), spec.value, 1e15),
            _ => {
                if !(spec.growth.is_finite() && spec.growth > -1.0 && spec.growth <= 10.0) {
                    p.push(
                        format!("targets.{name}.growth"),
                        format!(
                            "must be greater than -1 and at most 10, got {}",
                            spec.growth
                        ),
                    );
                }
            }
        }
    }
}

/// Records the problems of the plan `plan` written at `root` (`plan` or `baseline`):
/// each adjustable field within its range, then each mechanism's own rules, in the
/// order of scenarios/README.md.
fn check_plan(root: &str, plan: &PlanSection, s: &Scenario, p: &mut Problems) {
    let linear = s.outcome.model == OutcomeKind::LinearNormal;
    check_plan_ranges(root, plan, p);
    check_kpi_weights(root, plan, linear, s.targets.satisfaction.is_some(), p);
    if let Some(b) = &plan.target_bonus {
        check_target_bonus(root, b, p);
    }
    if plan.per_customer.is_some() && linear {
        p.push(
            format!("{root}.per_customer"),
            "needs the funnel outcome model (linear_normal has no customers)",
        );
    }
    if let Some(g) = plan.per_customer.as_ref().and_then(|c| c.satisfaction_gate) {
        p.range(
            &format!("{root}.per_customer.satisfaction_gate"),
            g,
            0.0,
            100.0,
        );
    }
    if let Some(c) = &plan.commission {
        check_commission(&format!("{root}.commission"), c, p);
    }
    if let Some(sp) = &plan.satisfaction {
        check_satisfaction_pay(root, plan, sp, linear, p);
    }
    if let Some(pr) = &plan.promotion {
        if pr.mode == PromotionMode::Chance && linear {
            p.push(
                format!("{root}.promotion.mode"),
                "chance needs the funnel outcome model; use mode = \"tournament\"",
            );
        }
    }
    if let Some(sa) = &plan.salary_adjustment {
        check_review_period(root, sa, plan.cycle.periods(), p);
    }
    check_cycles(root, plan, s, p);
}

/// The mechanisms' own cycles (docs/model.md section 5): none longer than the plan's
/// cycle (its longest), at most one shorter cycle in the plan, and with a shorter
/// cycle none of what is supported on one cycle only (a team bonus, ratchet targets,
/// deal timing).
fn check_cycles(root: &str, plan: &PlanSection, s: &Scenario, p: &mut Problems) {
    let long = plan.cycle;
    let own = [
        (
            "target_bonus",
            plan.target_bonus.as_ref().and_then(|b| b.cycle),
        ),
        ("commission", plan.commission.as_ref().and_then(|c| c.cycle)),
    ];
    let mut short: Option<(&str, Cycle)> = None;
    for (name, cycle) in own {
        let Some(c) = cycle else { continue };
        let path = format!("{root}.{name}.cycle");
        if c.periods() > long.periods() {
            p.push(
                path,
                format!(
                    "must not be longer than {root}.cycle (\"{}\"), the plan's longest cycle, got \"{}\"; \
                     set {root}.cycle = \"{}\" and give the shorter mechanisms their own cycle",
                    long.name(),
                    c.name(),
                    c.name()
                ),
            );
            continue;
        }
        if c == long {
            continue;
        }
        match short {
            Some((other, o)) if o != c => p.push(
                path,
                format!(
                    "a plan has at most two distinct cycles; {root}.cycle (\"{}\") and \
                     {root}.{other}.cycle (\"{}\") are already two, got \"{}\"",
                    long.name(),
                    o.name(),
                    c.name()
                ),
            ),
            Some(_) => {}
            None => short = Some((name, c)),
        }
    }
    let Some((name, c)) = short else { return };
    let why = format!(
        "is supported on a single cycle only, and {root}.{name}.cycle = \"{}\" gives the plan \
         a second one (shorter than {root}.cycle = \"{}\")",
        c.name(),
        long.name()
    );
    if plan
        .target_bonus
        .as_ref()
        .is_some_and(|b| b.basis == Basis::Team)
    {
        p.push(
            format!("{root}.target_bonus.basis"),
            format!("\"team\" {why}"),
        );
    }
    for (kpi, spec) in [
        ("revenue", &s.targets.revenue),
        ("new_customers", &s.targets.new_customers),
    ] {
        if spec.mode == TargetMode::Ratchet {
            p.push(format!("targets.{kpi}.mode"), format!("\"ratchet\" {why}"));
        }
    }
    if s.team.deal_timing.is_some() {
        p.push("team.deal_timing".to_string(), format!("deal timing {why}"));
    }
    if plan.satisfaction.is_some() {
        p.push(
            format!("{root}.satisfaction"),
            format!("a satisfaction gate or multiplier {why}"),
        );
    }
    if plan.kpi.satisfaction > 0.0 {
        p.push(
            format!("{root}.kpi.satisfaction"),
            format!("a satisfaction weight in the score {why}"),
        );
    }
    if plan
        .training
        .as_ref()
        .is_some_and(|t| t.eligibility == TrainingEligibility::Top && t.top_share < 1.0)
    {
        p.push(
            format!("{root}.training.eligibility"),
            format!("training as a reward (\"top\") {why}"),
        );
    }
    if s.team.planning == Planning::ClosedLoop {
        p.push(
            "team.planning".to_string(),
            format!("\"closed_loop\" {why}"),
        );
    }
}

/// Every adjustable field in effect within its valid range, from the one table of them.
fn check_plan_ranges(root: &str, plan: &PlanSection, p: &mut Problems) {
    for param in PLAN_PARAMS {
        if let Some(x) = param.get(plan).filter(|_| param.in_effect(plan)) {
            let path = format!("{root}.{}", param.field());
            p.within(&path, x, &param.range, param.used_only());
        }
    }
}

/// The score's weights: revenue's and new customers' not both 0, none on a KPI the
/// outcome model lacks, and a satisfaction weight only with a satisfaction target.
fn check_kpi_weights(
    root: &str,
    plan: &PlanSection,
    linear: bool,
    satisfaction_target: bool,
    p: &mut Problems,
) {
    if plan.kpi.revenue + plan.kpi.new_customers <= 0.0 {
        p.push(
            format!("{root}.kpi"),
            "the weights of revenue and new_customers must not both be 0",
        );
    }
    let sat = format!("{root}.kpi.satisfaction");
    p.range(&sat, plan.kpi.satisfaction, 0.0, 100.0);
    if plan.kpi.satisfaction > 0.0 {
        if linear {
            p.push(
                sat.clone(),
                "must be 0 with outcome.model = \"linear_normal\", which has no satisfaction",
            );
        }
        if !satisfaction_target {
            p.push(
                sat,
                "a satisfaction weight needs [targets.satisfaction] (mode = \"absolute\", \
                 value = the level 0-100 of the cycle's mean satisfaction that counts as 100 %)",
            );
        }
    }
    if linear && plan.kpi.new_customers > 0.0 {
        p.push(
            format!("{root}.kpi.new_customers"),
            "must be 0 with outcome.model = \"linear_normal\", which has no customers",
        );
    }
}

/// `[plan.satisfaction]`: the funnel model (it has satisfaction), a cycle payout to
/// gate or multiply, a gate and multiplier levels within 0-100, the multiplier's levels
/// in increasing order and its values within [0, 10].
fn check_satisfaction_pay(
    root: &str,
    plan: &PlanSection,
    sp: &SatisfactionPaySpec,
    linear: bool,
    p: &mut Problems,
) {
    let path = format!("{root}.satisfaction");
    if linear {
        p.push(
            path.clone(),
            "needs the funnel outcome model (linear_normal has no satisfaction)",
        );
    }
    if plan.target_bonus.is_none() && plan.commission.is_none() {
        p.push(
            path.clone(),
            "gates and multiplies the target bonus and the commission, and the plan has \
             neither (the per-customer reward has its own satisfaction_gate)",
        );
    }
    if let Some(g) = sp.gate {
        p.range(&format!("{path}.gate"), g, 0.0, 100.0);
    }
    if let Some(m) = &sp.multiplier {
        let mp = format!("{path}.multiplier");
        p.range(&format!("{mp}.low"), m.low, 0.0, 100.0);
        p.range(&format!("{mp}.high"), m.high, 0.0, 100.0);
        p.range(&format!("{mp}.low_value"), m.low_value, 0.0, 10.0);
        p.range(&format!("{mp}.high_value"), m.high_value, 0.0, 10.0);
        if m.low.is_finite() && m.high.is_finite() && m.high <= m.low {
            p.push(
                format!("{mp}.high"),
                format!(
                    "must be above low ({}), got {}",
                    fmt_num(m.low),
                    fmt_num(m.high)
                ),
            );
        }
    }
}

/// The target bonus's ramp starts below its threshold.
fn check_target_bonus(root: &str, b: &TargetBonusSpec, p: &mut Problems) {
    if let Some(r) = b.ramp_from.filter(|&r| r.is_finite() && r >= b.threshold) {
        p.push(
            format!("{root}.target_bonus.ramp_from"),
            format!("must be below the threshold ({}), got {r}", b.threshold),
        );
    }
}

/// The commission's tiers: on revenue, each within its ranges, in increasing order.
fn check_commission(path: &str, c: &CommissionSpec, p: &mut Problems) {
    if !c.tiers.is_empty() && c.on != CommissionBase::Revenue {
        p.push(
            format!("{path}.tiers"),
            "tiers need on = \"revenue\" (they are levels of revenue attainment)",
        );
    }
    let mut last = f64::NEG_INFINITY;
    for (i, tier) in c.tiers.iter().enumerate() {
        p.range(&format!("{path}.tiers[{i}].from"), tier.from, 0.0, 10.0);
        p.range(&format!("{path}.tiers[{i}].rate"), tier.rate, 0.0, 1.0);
        if tier.from <= last {
            p.push(
                format!("{path}.tiers[{i}].from"),
                format!(
                    "must be greater than the previous tier's ({last}), got {}",
                    tier.from
                ),
            );
        }
        last = tier.from;
    }
}

/// Salary reviews close whole cycles of `cycle` periods.
fn check_review_period(root: &str, sa: &SalaryAdjustmentSpec, cycle: u32, p: &mut Problems) {
    let every = sa.review_every;
    if every % cycle != 0 {
        p.push(
            format!("{root}.salary_adjustment.review_every"),
            format!(
                "must be a multiple of the cycle ({cycle} months) so reviews close whole cycles, got {every}"
            ),
        );
    }
}
