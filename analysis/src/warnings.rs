//! Warnings: what makes some reported figures less trustworthy than their intervals
//! say (a plan whose reps' efforts are not an equilibrium, a status quo without a
//! steady state), which every output of a run must state, and which of them stop a
//! run unless the user accepts them ([`Warning::needs_acceptance`]).
//!
//! This is the warnings' model: what each concerns and the numbers its sentence
//! needs. The reports put them in words (`plansim_report::warnings`).

use std::collections::BTreeMap;

use plansim_optimize::{Evaluator, OptimizeError};
use plansim_sim::behaviour::Equilibrium;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::engine::Solved;
use plansim_sim::model::Model;
use plansim_sim::model::StatusQuoFit;
use plansim_sim::tally::Tally;

/// What a warning concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The run as a whole: the sentence itself says what it is about.
    Run,
    /// The plan of a run (or a plan simulated alone).
    Plan,
    /// The status quo, the baseline of a run.
    Baseline,
    /// The starting plan of a search.
    StartingPlan,
    /// The winner of a search, as certified on fresh seeds.
    Winner,
    /// The candidates a search evaluated.
    Search,
    /// One round of a run of rounds under one policy.
    Round {
        /// The policy's name.
        policy: String,
        /// The round, from 1.
        round: usize,
    },
}

/// What a warning is about, with the numbers its sentence needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The reps' efforts under a plan are not an equilibrium.
    NoEquilibrium(Equilibrium),
    /// `count` plans solved for one round had no equilibrium; `first` is the first's.
    RoundPlans {
        /// How many.
        count: usize,
        /// The first one's (by parameter values).
        first: Equilibrium,
    },
    /// The status quo has no steady state for some reps.
    NoSteadyState {
        /// How well it settled.
        fit: StatusQuoFit,
        /// Reps in the team.
        team_size: usize,
    },
    /// The incentives cost more than the revenue on average (mean cost of sales above
    /// one): raises compounding over a long horizon, or a plan that pays beyond reason.
    CostBeyondRevenue {
        /// The mean cost of sales (incentive cost over revenue).
        cost_of_sales: f64,
    },
    /// Some evaluated candidates of a search had no equilibrium and could not win.
    CandidatesWithout {
        /// How many.
        count: usize,
        /// Of how many evaluations.
        of: usize,
    },
}

/// One warning: the part of a larger run it is about (labels, outermost first; empty
/// for a run of its own), its subject and its problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// Labels of the part of a larger run it concerns (a compared variant, a batch's
    /// file), outermost first.
    pub part: Vec<String>,
    /// What it concerns within that part.
    pub subject: Subject,
    /// The problem.
    pub problem: Problem,
}

impl Warning {
    /// A plan (or the status quo) whose efforts are not an equilibrium; None when they are.
    fn equilibrium(subject: Subject, e: Equilibrium) -> Option<Warning> {
        (!e.holds()).then(|| Warning {
            part: Vec::new(),
            subject,
            problem: Problem::NoEquilibrium(e),
        })
    }

    /// The status quo of `model` when it has no steady state; None when it has one.
    fn status_quo(model: &Model) -> Option<Warning> {
        (!model.status_quo().settled()).then(|| Warning {
            part: Vec::new(),
            subject: Subject::Run,
            problem: Problem::NoSteadyState {
                fit: model.status_quo().clone(),
                team_size: model.reps().len(),
            },
        })
    }

    /// True when the warning is of efforts without an equilibrium: a run that has one
    /// is not simulated unless the user accepts it.
    pub fn needs_acceptance(&self) -> bool {
        matches!(
            self.problem,
            Problem::NoEquilibrium(_) | Problem::RoundPlans { .. }
        )
    }
}

/// The warnings of one report, in the order they are shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Warnings(Vec<Warning>);

impl Warnings {
    /// No warnings.
    pub fn none() -> Self {
        Warnings(Vec::new())
    }

    /// The warnings of a run of `model` with behaviour `solved`: the plan's and the
    /// baseline's equilibrium, and the status quo's steady state.
    pub fn of_run(model: &Model, solved: &Solved) -> Self {
        Warnings(
            [
                Warning::equilibrium(Subject::Plan, solved.plan.equilibrium()),
                Warning::equilibrium(Subject::Baseline, solved.baseline.equilibrium()),
                Warning::status_quo(model),
            ]
            .into_iter()
            .flatten()
            .collect(),
        )
    }

    /// The warnings of a plan simulated alone in `model` (a compared variant, an
    /// optimiser's candidate): its equilibrium, and the status quo's
    /// steady state (which sets the run-rates growth is measured against).
    pub fn of_plan(model: &Model, equilibrium: Equilibrium) -> Self {
        Warnings(
            [
                Warning::equilibrium(Subject::Plan, equilibrium),
                Warning::status_quo(model),
            ]
            .into_iter()
            .flatten()
            .collect(),
        )
    }

    /// The warnings of a run's figures: the plan's and the baseline's incentives
    /// costing more than the revenue (`plan`, `baseline`: their replications' tallies).
    pub fn of_figures(plan: &Tally, baseline: Option<&Tally>) -> Self {
        let mean = |tally: &Tally| tally.moments(Metric::CostOfSales.index()).mean;
        let mut w = Warnings::of_cost_of_sales(Subject::Plan, mean(plan));
        if let Some(b) = baseline {
            w.extend(Warnings::of_cost_of_sales(Subject::Baseline, mean(b)));
        }
        w
    }

    /// The warning of `subject`'s incentives costing more than its revenue, from its
    /// mean `cost_of_sales` (incentive cost over revenue) over replications; none at or
    /// below 1, or NaN (no revenue at all: the figure itself shows n/a).
    pub fn of_cost_of_sales(subject: Subject, cost_of_sales: f64) -> Self {
        Warnings(
            (cost_of_sales > 1.0)
                .then_some(Warning {
                    part: Vec::new(),
                    subject,
                    problem: Problem::CostBeyondRevenue { cost_of_sales },
                })
                .into_iter()
                .collect(),
        )
    }

    /// The status quo's warning alone (empty when it has a steady state).
    pub fn of_status_quo(model: &Model) -> Self {
        Warnings(Warning::status_quo(model).into_iter().collect())
    }

    /// The warning of the status quo (the baseline plan) without an equilibrium.
    pub fn of_baseline(equilibrium: Equilibrium) -> Self {
        Warnings(
            Warning::equilibrium(Subject::Baseline, equilibrium)
                .into_iter()
                .collect(),
        )
    }

    /// The warning of the starting plan of a search without an equilibrium.
    pub fn of_start(equilibrium: Equilibrium) -> Self {
        Warnings(
            Warning::equilibrium(Subject::StartingPlan, equilibrium)
                .into_iter()
                .collect(),
        )
    }

    /// The warnings of a search before it starts: its starting plan's and the status
    /// quo's (baseline) equilibrium, and the status quo's steady state; the behaviour
    /// is solved in the current rayon pool.
    ///
    /// # Errors
    /// [`OptimizeError`] when the starting point is not a plan.
    pub fn of_search(evaluator: &Evaluator) -> Result<Self, OptimizeError> {
        let start = evaluator.plan_at(&evaluator.space().start)?;
        let mut w = Warnings::of_start(evaluator.solve(&start).equilibrium());
        w.extend(Warnings::of_baseline(
            evaluator.solve(evaluator.model().baseline()).equilibrium(),
        ));
        w.extend(Warnings::of_status_quo(evaluator.model()));
        Ok(w)
    }

    /// The warning that `count` of `of` candidates of a search had no equilibrium (none when 0).
    pub fn of_candidates(count: usize, of: usize) -> Self {
        Warnings(
            (count > 0)
                .then(|| Warning {
                    part: Vec::new(),
                    subject: Subject::Search,
                    problem: Problem::CandidatesWithout { count, of },
                })
                .into_iter()
                .collect(),
        )
    }

    /// The warnings of a run of rounds of policy `policy`: each round whose solved
    /// plans had no equilibrium (`unsettled[r]`: each such plan's equilibrium, by its
    /// parameters).
    pub fn of_rounds<K>(policy: &str, unsettled: &[BTreeMap<K, Equilibrium>]) -> Self {
        Warnings(
            unsettled
                .iter()
                .enumerate()
                .filter_map(|(r, plans)| {
                    let first = *plans.values().next()?;
                    Some(Warning {
                        part: Vec::new(),
                        subject: Subject::Round {
                            policy: policy.to_string(),
                            round: r + 1,
                        },
                        problem: Problem::RoundPlans {
                            count: plans.len(),
                            first,
                        },
                    })
                })
                .collect(),
        )
    }

    /// The same warnings about `label`'s part of a larger run (a compared variant).
    pub fn of(self, label: &str) -> Self {
        Warnings(
            self.0
                .into_iter()
                .map(|mut w| {
                    w.part.insert(0, label.to_string());
                    w
                })
                .collect(),
        )
    }

    /// Appends `other`'s warnings.
    pub fn extend(&mut self, other: Warnings) {
        self.0.extend(other.0);
    }

    /// The warnings in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Warning> {
        self.0.iter()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The warnings a run must not go on with unless the user accepts them.
    pub fn needing_acceptance(&self) -> impl Iterator<Item = &Warning> {
        self.0.iter().filter(|w| w.needs_acceptance())
    }
}

impl<'a> IntoIterator for &'a Warnings {
    type Item = &'a Warning;
    type IntoIter = std::slice::Iter<'a, Warning>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plansim_sim::behaviour::EquilibriumGap;

    fn no_cutoff() -> Equilibrium {
        Equilibrium::NotFound {
            what: EquilibriumGap::TournamentCutoff,
            gap: 0.25,
            passes: 40,
        }
    }

    #[test]
    fn incentives_beyond_revenue_are_warned_of_and_no_revenue_is_not() {
        let tally = |cost_of_sales: f64| {
            let mut t = Tally::new(Metric::ALL.len(), false);
            let mut row = vec![0.0; Metric::ALL.len()];
            row[Metric::CostOfSales.index()] = cost_of_sales;
            t.push(&row);
            t
        };
        assert!(Warnings::of_figures(&tally(0.99), Some(&tally(0.5))).is_empty());
        assert!(Warnings::of_figures(&tally(f64::NAN), None).is_empty());
        let w = Warnings::of_figures(&tally(0.5), Some(&tally(1.5e50)));
        assert_eq!(w.iter().count(), 1);
        let first = w.iter().next().unwrap();
        assert_eq!(first.subject, Subject::Baseline);
        assert_eq!(
            first.problem,
            Problem::CostBeyondRevenue {
                cost_of_sales: 1.5e50
            }
        );
        assert!(!first.needs_acceptance(), "a warning, not a refusal");
    }

    #[test]
    fn an_equilibrium_that_holds_gives_no_warning() {
        assert!(Warnings::of_baseline(Equilibrium::NotNeeded).is_empty());
        assert!(Warnings::of_start(Equilibrium::Found { passes: 3 }).is_empty());
        assert!(Warnings::of_candidates(0, 40).is_empty());
    }

    #[test]
    fn only_efforts_without_an_equilibrium_need_acceptance() {
        let mut w = Warnings::of_start(no_cutoff());
        w.extend(Warnings::of_candidates(3, 40));
        assert_eq!(w.iter().count(), 2);
        let needing: Vec<&Warning> = w.needing_acceptance().collect();
        assert_eq!(needing.len(), 1);
        assert_eq!(needing[0].subject, Subject::StartingPlan);
        assert!(Warnings::of_candidates(3, 40).needing_acceptance().count() == 0);
    }

    #[test]
    fn rounds_name_the_policy_round_and_count() {
        let mut rounds = vec![BTreeMap::new(); 3];
        rounds[1].insert(vec![2u64], no_cutoff());
        rounds[1].insert(vec![1u64], no_cutoff());
        let w = Warnings::of_rounds("rule", &rounds);
        let all: Vec<&Warning> = w.iter().collect();
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].subject,
            Subject::Round {
                policy: "rule".into(),
                round: 2
            }
        );
        assert_eq!(
            all[0].problem,
            Problem::RoundPlans {
                count: 2,
                first: no_cutoff()
            }
        );
        assert!(all[0].needs_acceptance());
    }

    #[test]
    fn parts_of_a_larger_run_are_labelled_outermost_first() {
        let w = Warnings::of_start(no_cutoff()).of("inner").of("outer");
        assert_eq!(w.iter().next().unwrap().part, vec!["outer", "inner"]);
    }
}
