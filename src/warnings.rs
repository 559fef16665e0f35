//! Warnings: what makes some reported figures less trustworthy than their intervals
//! say (a plan whose reps' efforts are not an equilibrium, a status quo without a
//! steady state), stated in every output of every subcommand that reports simulated
//! results, and the refusal to simulate a plan without an equilibrium unless the
//! user accepts it (`--accept-no-equilibrium`).
//!
//! The English sentences are the simulator's own ([`Equilibrium::problem`],
//! [`StatusQuoFit::problem`]); the Chinese ones translate them for the HTML report.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use plansim_sim::behaviour::{Equilibrium, EquilibriumGap};
use plansim_sim::engine::Solved;
use plansim_sim::model::Model;
use plansim_sim::steady_state::StatusQuoFit;

use crate::error::{CliError, CliResult};
use crate::report::i18n::Lang;

/// The flag that accepts plans without an equilibrium, shared by every subcommand
/// that simulates (flattened into their arguments).
#[derive(clap::Args, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptArgs {
    /// Simulate even when the plan or the status quo (baseline) has no equilibrium:
    /// without this flag such a run stops with exit code 2 before simulating; with it,
    /// every output carries the warning
    /// (e.g. plansim run steep-tournament.toml --accept-no-equilibrium).
    #[arg(long)]
    pub accept_no_equilibrium: bool,
}

/// What a warning is about, with the numbers its sentence needs.
#[derive(Clone, Debug, PartialEq)]
enum Problem {
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
    /// Some evaluated candidates of a search had no equilibrium and could not win.
    CandidatesWithout {
        /// How many.
        count: usize,
        /// Of how many evaluations.
        of: usize,
    },
}

/// One warning: what it concerns (in English and Chinese, empty for the whole run)
/// and the problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    subject: (String, String),
    problem: Problem,
}

/// Upper-cases the first letter of a sentence.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The sentence of a plan without an equilibrium, in Chinese.
fn equilibrium_zh(e: &Equilibrium) -> String {
    match e {
        Equilibrium::NotFound {
            what: EquilibriumGap::TournamentCutoff,
            gap,
            passes,
        } => format!(
            "晋升锦标赛不存在纯策略均衡：经过 {passes} 轮求解，销售人员的最优努力仍在其预期的晋升分数线两侧跳动（其努力所隐含的分数线相差 {gap:.3} 分），因此努力与晋升相关的数字建立在与其自身努力相矛盾的预期之上；提高晋升比例、降低晋升价值或增大业绩噪声可恢复均衡"
        ),
        Equilibrium::NotFound {
            what: EquilibriumGap::TeamEfforts,
            gap,
            passes,
        } => format!(
            "团队奖金下求解器未找到均衡：经过 {passes} 轮求解，销售人员对彼此的最优反应仍使努力变化 {gap:.3}"
        ),
        _ => String::new(),
    }
}

impl Warning {
    /// A plan (or the status quo) whose efforts are not an equilibrium; None when they are.
    fn equilibrium(subject: (&str, &str), e: Equilibrium) -> Option<Warning> {
        (!e.holds()).then(|| Warning {
            subject: (subject.0.to_string(), subject.1.to_string()),
            problem: Problem::NoEquilibrium(e),
        })
    }

    /// The status quo of `model` when it has no steady state; None when it has one.
    fn status_quo(model: &Model) -> Option<Warning> {
        (!model.status_quo.settled()).then(|| Warning {
            subject: (String::new(), String::new()),
            problem: Problem::NoSteadyState {
                fit: model.status_quo.clone(),
                team_size: model.reps.len(),
            },
        })
    }

    /// True when the warning is of efforts without an equilibrium (which needs
    /// `--accept-no-equilibrium` before simulating).
    fn is_equilibrium(&self) -> bool {
        matches!(
            self.problem,
            Problem::NoEquilibrium(_) | Problem::RoundPlans { .. }
        )
    }

    /// The same warning about `label`'s part of a larger run (a compared variant).
    fn of(mut self, label: &str) -> Warning {
        let join = |prefix: &str, rest: &str, sep: &str| {
            if rest.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}{sep}{rest}")
            }
        };
        self.subject = (
            join(label, &self.subject.0, ", "),
            join(label, &self.subject.1, "，"),
        );
        self
    }

    /// The problem's sentence in `lang`, without its subject.
    fn sentence(&self, lang: Lang) -> String {
        match (&self.problem, lang) {
            (Problem::NoEquilibrium(e), Lang::En) => e.problem().unwrap_or_default(),
            (Problem::NoEquilibrium(e), Lang::Zh) => equilibrium_zh(e),
            (Problem::RoundPlans { count: 1, first }, Lang::En) => format!(
                "the plan solved for this round has no equilibrium: {}",
                first.problem().unwrap_or_default()
            ),
            (Problem::RoundPlans { count, first }, Lang::En) => format!(
                "{count} plans solved for this round (each in force in some replications) have \
                 no equilibrium; the first: {}",
                first.problem().unwrap_or_default()
            ),
            (Problem::RoundPlans { count: 1, first }, Lang::Zh) => {
                format!("本轮求解的方案不存在均衡：{}", equilibrium_zh(first))
            }
            (Problem::RoundPlans { count, first }, Lang::Zh) => format!(
                "本轮求解的 {count} 个方案（各在部分模拟中执行）不存在均衡；第一个：{}",
                equilibrium_zh(first)
            ),
            (Problem::NoSteadyState { fit, team_size }, Lang::En) => {
                capitalised(&fit.problem(*team_size).unwrap_or_default())
            }
            (Problem::NoSteadyState { fit, team_size }, Lang::Zh) => format!(
                "现行方案对 {} 名销售人员（共 {team_size} 名）不存在稳态（其努力在争取现行方案目标与放弃之间跳动，最后一次变化 {:.1}%）：基准会偏离方案前的业绩水平，因此相对该水平的收入增长混入了这一漂移；请以与现行方案的配对差异为准",
                fit.unsettled,
                100.0 * fit.residual
            ),
            (Problem::CandidatesWithout { count, of }, Lang::En) => format!(
                "{count} of {of} evaluated plans had no equilibrium (their reps' efforts contradict the beliefs they rest on) and were not eligible to win"
            ),
            (Problem::CandidatesWithout { count, of }, Lang::Zh) => format!(
                "已评估的 {of} 个方案中有 {count} 个不存在均衡（销售人员的努力与其所依据的预期相矛盾），不参与最优方案的选择"
            ),
        }
    }

    /// The warning in `lang`: its subject, then its sentence.
    pub fn text(&self, lang: Lang) -> String {
        let subject = match lang {
            Lang::En => &self.subject.0,
            Lang::Zh => &self.subject.1,
        };
        if subject.is_empty() {
            self.sentence(lang)
        } else {
            let sep = if lang == Lang::En { ": " } else { "：" };
            format!("{subject}{sep}{}", self.sentence(lang))
        }
    }
}

/// The warnings of one report, in the order they are shown; serialised as an array
/// of English sentences.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Warnings(Vec<Warning>);

impl Serialize for Warnings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.texts(Lang::En))
    }
}

/// The subject of the plan of a run.
const PLAN: (&str, &str) = ("Plan", "新方案");
/// The subject of the baseline of a run.
const BASELINE: (&str, &str) = ("Status quo (baseline)", "现行方案（基准）");

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
                Warning::equilibrium(PLAN, solved.plan.equilibrium),
                Warning::equilibrium(BASELINE, solved.baseline.equilibrium),
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
                Warning::equilibrium(PLAN, equilibrium),
                Warning::status_quo(model),
            ]
            .into_iter()
            .flatten()
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
            Warning::equilibrium(BASELINE, equilibrium)
                .into_iter()
                .collect(),
        )
    }

    /// The warning of the starting plan of a search without an equilibrium.
    pub fn of_start(equilibrium: Equilibrium) -> Self {
        Warnings(
            Warning::equilibrium(("Starting plan", "初始方案"), equilibrium)
                .into_iter()
                .collect(),
        )
    }

    /// The warning that `count` of `of` candidates of a search had no equilibrium (none when 0).
    pub fn of_candidates(count: usize, of: usize) -> Self {
        Warnings(
            (count > 0)
                .then(|| Warning {
                    subject: ("Search".into(), "搜索".into()),
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
                        subject: (
                            format!("Policy {policy}, round {}", r + 1),
                            format!("策略 {policy}，第 {} 轮", r + 1),
                        ),
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
        Warnings(self.0.into_iter().map(|w| w.of(label)).collect())
    }

    /// Appends `other`'s warnings.
    pub fn extend(&mut self, other: Warnings) {
        self.0.extend(other.0);
    }

    /// Each warning's text in `lang`.
    pub fn texts(&self, lang: Lang) -> Vec<String> {
        self.0.iter().map(|w| w.text(lang)).collect()
    }

    /// The warnings as lines at the top of a human table (nothing when none).
    pub fn table_lines(&self) -> String {
        self.texts(Lang::En)
            .iter()
            .map(|t| format!("WARNING: {t}\n"))
            .collect()
    }

    /// Prints every warning on stderr.
    pub fn print(&self) {
        for t in self.texts(Lang::En) {
            eprintln!("warning: {t}");
        }
    }

    /// One CSV row of `width` cells per warning: `warning` in the first cell, the
    /// text in the second, the others empty.
    pub fn csv_rows(&self, width: usize) -> Vec<Vec<String>> {
        self.texts(Lang::En)
            .into_iter()
            .map(|t| {
                let mut row = vec!["warning".to_string(), t];
                row.resize(width.max(2), String::new());
                row
            })
            .collect()
    }

    /// Refuses to go on, unless `accept` is set, when a plan of scenario `source` has
    /// no equilibrium: the message names the file, states each problem and says how
    /// to accept it.
    pub fn refuse_unless(&self, accept: AcceptArgs, source: &str) -> CliResult {
        let problems: Vec<String> = self
            .0
            .iter()
            .filter(|w| w.is_equilibrium())
            .map(|w| format!("  - {}", w.text(Lang::En)))
            .collect();
        if problems.is_empty() || accept.accept_no_equilibrium {
            return Ok(());
        }
        Err(CliError::Input(format!(
            "{source}: no equilibrium, so the scenario was not simulated:\n{}\n\
             Efforts, promotions and the revenue and costs they drive would rest on beliefs \
             the reps' own efforts contradict. Change the plan, or pass --accept-no-equilibrium \
             to simulate it anyway with this warning in every output.",
            problems.join("\n")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_cutoff() -> Equilibrium {
        Equilibrium::NotFound {
            what: EquilibriumGap::TournamentCutoff,
            gap: 0.25,
            passes: 40,
        }
    }

    #[test]
    fn an_equilibrium_that_holds_gives_no_warning_and_no_refusal() {
        let w = Warnings(
            [
                Warning::equilibrium(PLAN, Equilibrium::NotNeeded),
                Warning::equilibrium(BASELINE, Equilibrium::Found { passes: 3 }),
            ]
            .into_iter()
            .flatten()
            .collect(),
        );
        assert!(w.texts(Lang::En).is_empty());
        assert_eq!(w.table_lines(), "");
        assert!(w.refuse_unless(AcceptArgs::default(), "x.toml").is_ok());
        assert_eq!(serde_json::to_string(&w).unwrap(), "[]");
    }

    #[test]
    fn no_equilibrium_is_refused_unless_accepted_and_worded_in_both_languages() {
        let w = Warnings(
            Warning::equilibrium(PLAN, no_cutoff())
                .into_iter()
                .collect(),
        );
        let e = w
            .refuse_unless(AcceptArgs::default(), "steep.toml")
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(m.starts_with("steep.toml: "), "{m}");
        assert!(m.contains("Plan: the tournament has no equilibrium"), "{m}");
        assert!(m.contains("--accept-no-equilibrium"), "{m}");
        let accept = AcceptArgs {
            accept_no_equilibrium: true,
        };
        assert!(w.refuse_unless(accept, "steep.toml").is_ok());
        let zh = w.texts(Lang::Zh).join("");
        assert!(zh.starts_with("新方案：") && zh.contains("40 轮") && zh.contains("0.250"));
        let json: Vec<String> = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
        assert_eq!(json, w.texts(Lang::En));
        let variant = w.clone().of("bonus-up");
        assert!(variant.texts(Lang::En)[0].starts_with("bonus-up, Plan: the tournament"));
    }

    #[test]
    fn rounds_name_the_policy_round_and_count() {
        let mut rounds = vec![BTreeMap::new(); 3];
        rounds[1].insert(vec![2u64], no_cutoff());
        rounds[1].insert(vec![1u64], no_cutoff());
        let w = Warnings::of_rounds("rule", &rounds);
        let t = w.texts(Lang::En);
        assert_eq!(t.len(), 1);
        assert!(
            t[0].starts_with("Policy rule, round 2: 2 plans solved for this round (each in force in some replications) have no equilibrium; the first: the tournament"),
            "{}",
            t[0]
        );
        assert!(w.refuse_unless(AcceptArgs::default(), "r.toml").is_err());
    }

    #[test]
    fn candidates_without_an_equilibrium_only_warn() {
        let w = Warnings::of_candidates(3, 40);
        assert!(w.texts(Lang::En)[0].contains("3 of 40 evaluated plans"));
        assert!(w.refuse_unless(AcceptArgs::default(), "x.toml").is_ok());
        assert!(Warnings::of_candidates(0, 40).texts(Lang::En).is_empty());
    }
}
