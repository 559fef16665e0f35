//! Cycle targets as the simulation sets them: ratchet targets follow what each rep
//! achieved in the previous cycle, in a run and in rounds, and rounds report the
//! targets their round was simulated against.

use plansim_sim::behaviour::{self, PlanningStart};
use plansim_sim::engine::simulate::{simulate, TeamState, Totals, Workspace};
use plansim_sim::model::Model;
use plansim_sim::rounds::{run_rounds, RoundsSpec, RulePolicy};
use plansim_sim::scenario::{
    default_scenario, RoundRule, RuleKpi, TargetMode, TargetSpec, ValidScenario,
};

const GROWTH: f64 = 0.05;

/// The default team, smaller, with ratchet targets of +5 % on both KPIs.
fn ratchet(periods: u32) -> ValidScenario {
    default_scenario()
        .with_changes(|s| {
            s.team.size = 12;
            s.simulation.periods = periods;
            s.optimize = None;
            let spec = TargetSpec {
                mode: TargetMode::Ratchet,
                growth: GROWTH,
                value: 0.0,
            };
            s.targets.revenue = spec;
            s.targets.new_customers = spec;
        })
        .unwrap()
}

#[test]
fn ratchet_targets_in_a_run_are_last_cycles_actuals_raised() {
    let valid = ratchet(4);
    let model = Model::new(&valid);
    let policy = behaviour::solve(&model, model.plan(), &PlanningStart::initial(&model));
    let mut ws = Workspace::new(&model);
    let mut totals = Totals::default();
    let mut state = TeamState::initial(&model, 7, 3);
    // The first cycle targets the uplift of the run-rate.
    simulate(
        &model,
        model.plan(),
        &policy,
        &mut state,
        1,
        &mut ws,
        &mut totals,
    );
    for (st, rep) in state.reps.iter().zip(model.reps()) {
        let want = rep.run_rate_revenue * (1.0 + GROWTH);
        assert!((st.cycle_target.revenue - want).abs() <= 1e-9 * want);
    }
    for t in 1..4 {
        let last: Vec<_> = state.reps.iter().map(|st| st.cycle).collect();
        simulate(
            &model,
            model.plan(),
            &policy,
            &mut state,
            t + 1,
            &mut ws,
            &mut totals,
        );
        let mut differ = false;
        for (st, prev) in state.reps.iter().zip(&last) {
            assert_eq!(st.cycle_target.revenue, prev.revenue * (1.0 + GROWTH));
            assert_eq!(
                st.cycle_target.new_customers,
                prev.new_customers * (1.0 + GROWTH)
            );
            differ |= st.cycle_target.revenue != state.reps[0].cycle_target.revenue;
        }
        assert!(differ, "period {t}: every rep got the same target");
    }
}

#[test]
fn rounds_report_the_targets_they_were_simulated_against() {
    let (rounds, length) = (4, 1);
    let valid = ratchet(rounds * length);
    let model = Model::new(&valid);
    let paths = vec!["plan.target_bonus.amount".to_string()];
    let rule = RoundRule {
        path: paths[0].clone(),
        kpi: RuleKpi::Score,
        gain: 0.5,
        min: 0.0,
        max: 10_000.0,
    };
    let policy = RulePolicy { rules: vec![rule] };
    let result = run_rounds(
        &model,
        &valid,
        &paths,
        &[2500.0],
        &RoundsSpec::new(rounds, length, 11, 64).unwrap(),
        &policy,
        &|_| {},
    )
    .unwrap();
    let mut scores = Vec::new();
    for r in &result.records {
        for w in r.observations.windows(2) {
            // One cycle per round: the team's target is its last round's output raised.
            let want = w[0].revenue * (1.0 + GROWTH);
            assert!(
                (w[1].target_revenue - want).abs() <= 1e-9 * want,
                "replication {}: target {} against last round's {}",
                r.replication,
                w[1].target_revenue,
                w[0].revenue
            );
            let want_nc = w[0].new_customers * (1.0 + GROWTH);
            assert!((w[1].target_new_customers - want_nc).abs() <= 1e-9 * want_nc.max(1.0));
        }
        scores.push(r.observations[1].score);
    }
    // Attainment differs across replications (before the fix it was 1 + g in every one).
    let spread = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
        - scores.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(spread > 0.05, "round 2's scores spread only {spread}");
    // And so the rule steps the bonus differently in different replications.
    let bonuses: std::collections::BTreeSet<u64> = result
        .records
        .iter()
        .map(|r| r.params[2][0].to_bits())
        .collect();
    assert!(
        bonuses.len() > 1,
        "the rule set one bonus for every replication"
    );
}

/// Reps who foresee the ratchet (`targets.foresight`, docs/model.md section 8.7) hold
/// back: on the default team (funnel outcome, its plan's pay falls as a target rises) no
/// rep's planned acquisition effort in a cycle before the last is above the myopic
/// rep's, and some are below it by more than the solver's resolution.
#[test]
fn reps_who_foresee_the_ratchet_hold_back_before_the_last_cycle() {
    let plan_of = |foresight: f64| {
        let valid = ratchet(3)
            .with_changes(|s| s.targets.foresight = foresight)
            .unwrap();
        let model = Model::new(&valid);
        behaviour::solve(&model, model.plan(), &PlanningStart::initial(&model))
    };
    let (myopic, foresighted) = (plan_of(0.0), plan_of(0.9));
    let last = myopic.planned()[0].len() - 1;
    let mut held_back = 0;
    for (m, f) in myopic.planned().iter().zip(foresighted.planned()) {
        for t in 0..last {
            assert!(
                f[t].acquisition <= m[t].acquisition + 1e-5,
                "{:?} vs {:?}",
                f[t],
                m[t]
            );
            held_back += usize::from(f[t].acquisition < m[t].acquisition - 1e-3);
        }
    }
    assert!(held_back > 0, "no rep held back");
}

/// A foresight that is not a discount factor is refused, naming the field.
#[test]
fn foresight_outside_zero_to_one_is_refused() {
    for bad in [-0.1, 1.0, f64::NAN] {
        let err = ratchet(3)
            .with_changes(|s| s.targets.foresight = bad)
            .expect_err("refused");
        assert!(format!("{err:?}").contains("targets.foresight"), "{err:?}");
    }
}
