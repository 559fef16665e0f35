//! Checks a [`Scenario`] and lists every problem at once.

use super::problems::Problems;
use super::types::*;

/// Largest team, horizon and replication count plansim accepts.
pub const MAX_TEAM: u32 = 100_000;
/// Longest horizon in periods.
pub const MAX_PERIODS: u32 = 1200;

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
    for (i, rule) in r.rules.iter().enumerate() {
        let path = format!("rounds.rules[{i}]");
        if !rule.path.starts_with("plan.") {
            p.push(
                format!("{path}.path"),
                format!(
                    "must be a parameter of the plan (plan.*), got `{}`",
                    rule.path
                ),
            );
        } else if let Err(e) = super::get_param(s, &rule.path) {
            p.push(format!("{path}.path"), format!("unknown parameter: {e}"));
        }
        p.range(&format!("{path}.gain"), rule.gain, 0.0, 100.0);
        if !(rule.min.is_finite() && rule.max.is_finite() && rule.min < rule.max) {
            p.push(
                format!("{path}.max"),
                format!("must be greater than min ({}), got {}", rule.min, rule.max),
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
    for (i, v) in o.variables.iter().enumerate() {
        let path = format!("optimize.variables[{i}]");
        if !v.path.starts_with("plan.") {
            p.push(
                format!("{path}.path"),
                format!("must be a parameter of the plan (plan.*), got `{}`", v.path),
            );
            continue;
        }
        if !seen.insert(v.path.as_str()) {
            p.push(
                format!("{path}.path"),
                format!("`{}` appears twice", v.path),
            );
        }
        let current = match super::get_param(s, &v.path) {
            Ok(x) => Some(x),
            Err(e) => {
                p.push(format!("{path}.path"), format!("unknown parameter: {e}"));
                None
            }
        };
        if !(v.min.is_finite() && v.max.is_finite()) {
            p.push(
                format!("{path}.min"),
                format!("bounds must be finite numbers, got [{}, {}]", v.min, v.max),
            );
            continue;
        }
        if v.min >= v.max {
            p.push(
                format!("{path}.max"),
                format!("must be greater than min ({}), got {}", v.min, v.max),
            );
            continue;
        }
        match (v.start, current) {
            (Some(x), _) if !(x.is_finite() && x >= v.min && x <= v.max) => {
                p.push(format!("{path}.start"), format!("must be within [{}, {}], got {x}", v.min, v.max))
            }
            (None, Some(x)) if x < v.min || x > v.max => p.push(
                format!("{path}.min"),
                format!("the plan's current value {x} of {} is outside [{}, {}]; widen the bounds or set start", v.path, v.min, v.max),
            ),
            _ => {}
        }
    }
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
    check_trait("team.ability", &t.ability, true, 100.0, p);
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
    check_trait("team.base_salary", &t.base_salary, true, 1e12, p);
    p.positive("team.initial_skill", t.initial_skill, 100.0);
    p.positive("team.max_skill", t.max_skill, 100.0);
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
        p.range("team.initial_book", b, 0.0, 1e7);
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
    p.positive(
        "outcome.funnel.new_customers_per_effort",
        f.new_customers_per_effort,
        1000.0,
    );
    p.positive("outcome.funnel.conversion", f.conversion, 1.0);
    check_trait("outcome.funnel.deal_size", &f.deal_size, true, 1e12, p);
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

fn check_plan(root: &str, plan: &PlanSection, s: &Scenario, p: &mut Problems) {
    let linear = s.outcome.model == OutcomeKind::LinearNormal;
    p.range(&format!("{root}.kpi.revenue"), plan.kpi.revenue, 0.0, 100.0);
    p.range(
        &format!("{root}.kpi.new_customers"),
        plan.kpi.new_customers,
        0.0,
        100.0,
    );
    if plan.kpi.revenue + plan.kpi.new_customers <= 0.0 {
        p.push(
            format!("{root}.kpi"),
            "the weights of revenue and new_customers must not both be 0",
        );
    }
    if linear && plan.kpi.new_customers > 0.0 {
        p.push(
            format!("{root}.kpi.new_customers"),
            "must be 0 with outcome.model = \"linear_normal\", which has no customers",
        );
    }
    if plan.raise_horizon > 600 {
        p.push(
            format!("{root}.raise_horizon"),
            format!("must be between 0 and 600, got {}", plan.raise_horizon),
        );
    }
    if let Some(b) = &plan.target_bonus {
        let path = format!("{root}.target_bonus");
        p.range(&format!("{path}.amount"), b.amount, 0.0, 1e12);
        p.range(&format!("{path}.threshold"), b.threshold, 0.0, 10.0);
        if let Some(r) = b.ramp_from {
            if !(r.is_finite() && r >= 0.0 && r < b.threshold) {
                p.push(
                    format!("{path}.ramp_from"),
                    format!(
                        "must be at least 0 and below the threshold ({}), got {r}",
                        b.threshold
                    ),
                );
            }
        }
        p.range(&format!("{path}.accelerator"), b.accelerator, 0.0, 100.0);
        if let Some(c) = b.cap {
            p.range(&format!("{path}.cap"), c, 1.0, 1000.0);
        }
    }
    if let Some(c) = &plan.per_customer {
        p.range(&format!("{root}.per_customer.amount"), c.amount, 0.0, 1e12);
        if linear {
            p.push(
                format!("{root}.per_customer"),
                "needs the funnel outcome model (linear_normal has no customers)",
            );
        }
    }
    if let Some(c) = &plan.commission {
        let path = format!("{root}.commission");
        p.range(&format!("{path}.rate"), c.rate, 0.0, 1.0);
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
    if let Some(pr) = &plan.promotion {
        let path = format!("{root}.promotion");
        p.range(&format!("{path}.raise"), pr.raise, 0.0, 5.0);
        match pr.mode {
            PromotionMode::Chance => {
                p.range(
                    &format!("{path}.chance_per_conversion"),
                    pr.chance_per_conversion,
                    0.0,
                    1.0,
                );
                if linear {
                    p.push(
                        format!("{path}.mode"),
                        "chance needs the funnel outcome model; use mode = \"tournament\"",
                    );
                }
            }
            PromotionMode::Tournament => {
                if !(pr.share.is_finite() && pr.share > 0.0 && pr.share < 1.0) {
                    p.push(
                        format!("{path}.share"),
                        format!(
                            "must be strictly between 0 and 1 in tournament mode, got {}",
                            pr.share
                        ),
                    );
                }
            }
        }
    }
    if let Some(sa) = &plan.salary_adjustment {
        let path = format!("{root}.salary_adjustment");
        if sa.review_every == 0 || sa.review_every > 120 {
            p.push(
                format!("{path}.review_every"),
                format!("must be between 1 and 120, got {}", sa.review_every),
            );
        } else if sa.review_every % plan.cycle.periods() != 0 {
            p.push(
                format!("{path}.review_every"),
                format!(
                    "must be a multiple of the cycle ({} months) so reviews close whole cycles, got {}",
                    plan.cycle.periods(),
                    sa.review_every
                ),
            );
        }
        p.range(&format!("{path}.pool"), sa.pool, 0.0, 1.0);
        p.range(
            &format!("{path}.individual_weight"),
            sa.individual_weight,
            0.0,
            10.0,
        );
        p.range(&format!("{path}.team_weight"), sa.team_weight, 0.0, 10.0);
        p.range(
            &format!("{path}.min_attainment"),
            sa.min_attainment,
            0.0,
            0.99,
        );
        if !(sa.cap_attainment.is_finite() && sa.cap_attainment >= 1.0 && sa.cap_attainment <= 10.0)
        {
            p.push(
                format!("{path}.cap_attainment"),
                format!("must be between 1 and 10, got {}", sa.cap_attainment),
            );
        }
    }
    if let Some(tr) = &plan.training {
        let path = format!("{root}.training");
        if tr.every == 0 || tr.every > 120 {
            p.push(
                format!("{path}.every"),
                format!("must be between 1 and 120, got {}", tr.every),
            );
        }
        p.range(&format!("{path}.cost"), tr.cost, 0.0, 1e12);
        p.range(&format!("{path}.time_share"), tr.time_share, 0.0, 0.9);
        p.range(&format!("{path}.skill_gain"), tr.skill_gain, 0.0, 1.0);
        if tr.eligibility == TrainingEligibility::Top
            && !(tr.top_share.is_finite() && tr.top_share > 0.0 && tr.top_share <= 1.0)
        {
            p.push(
                format!("{path}.top_share"),
                format!(
                    "must be greater than 0 and at most 1 when eligibility = \"top\", got {}",
                    tr.top_share
                ),
            );
        }
    }
}
