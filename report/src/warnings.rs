//! The words of the warnings (`plansim_analysis::warnings`): each warning's subject
//! and sentence in English and Chinese, as lines atop a table, rows of a CSV file
//! and the array of English sentences every JSON document carries.
//!
//! The English sentences of the simulator's own problems are its own
//! ([`Equilibrium::problem`], [`StatusQuoFit::problem`](plansim_sim::model::StatusQuoFit::problem));
//! the Chinese ones translate them.

use serde::Serializer;

use plansim_analysis::warnings::{Problem, Subject, Warning, Warnings};
use plansim_sim::behaviour::{Equilibrium, EquilibriumGap};

use crate::i18n::Lang;

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

/// The subject's name in `lang` (empty for the run as a whole).
fn subject_text(subject: &Subject, lang: Lang) -> String {
    let (en, zh) = match subject {
        Subject::Run => return String::new(),
        Subject::Plan => ("Plan", "新方案"),
        Subject::Baseline => ("Status quo (baseline)", "现行方案（基准）"),
        Subject::StartingPlan => ("Starting plan", "初始方案"),
        Subject::Winner => ("Winner", "最优方案"),
        Subject::Search => ("Search", "搜索"),
        Subject::Round { policy, round } => {
            return match lang {
                Lang::En => format!("Policy {policy}, round {round}"),
                Lang::Zh => format!("策略 {policy}，第 {round} 轮"),
            }
        }
    };
    match lang {
        Lang::En => en.to_string(),
        Lang::Zh => zh.to_string(),
    }
}

/// A ratio above one as a multiple: `1.4 times` (`1.4`), `3.2e50 times` when huge.
fn times(ratio: f64, lang: Lang) -> String {
    let number = if ratio < 1000.0 {
        format!("{ratio:.1}")
    } else {
        format!("{ratio:.1e}")
    };
    match lang {
        Lang::En => format!("{number} times"),
        Lang::Zh => number,
    }
}

/// The problem's sentence in `lang`, without its subject.
fn sentence(problem: &Problem, lang: Lang) -> String {
    match (problem, lang) {
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
        (Problem::CostBeyondRevenue { cost_of_sales }, Lang::En) => format!(
            "the incentives cost {} the revenue; raises \
             that compound over a long horizon (plan.salary_adjustment.pool, \
             plan.promotion.raise, simulation.periods) do this: read every cost figure as \
             a sign to shorten the horizon or lower the raises, not as a forecast",
            times(*cost_of_sales, lang)
        ),
        (Problem::CostBeyondRevenue { cost_of_sales }, Lang::Zh) => format!(
            "激励成本为收入的 {} 倍；长期内复利累积的加薪（plan.salary_adjustment.pool、plan.promotion.raise、simulation.periods）会造成这种情况：所有成本数字应视为缩短期限或降低加薪幅度的信号，而非预测",
            times(*cost_of_sales, lang)
        ),
        (Problem::CandidatesWithout { count, of }, Lang::En) => format!(
            "{count} of {of} evaluated plans had no equilibrium (their reps' efforts contradict the beliefs they rest on) and were not eligible to win"
        ),
        (Problem::CandidatesWithout { count, of }, Lang::Zh) => format!(
            "已评估的 {of} 个方案中有 {count} 个不存在均衡（销售人员的努力与其所依据的预期相矛盾），不参与最优方案的选择"
        ),
    }
}

/// The warning in `lang`: what it concerns (the parts of a larger run, outermost
/// first, then its subject), then its sentence.
pub fn text(w: &Warning, lang: Lang) -> String {
    let sep = match lang {
        Lang::En => ", ",
        Lang::Zh => "，",
    };
    let subject = w
        .part
        .iter()
        .rev()
        .fold(subject_text(&w.subject, lang), |inner, label| {
            if inner.is_empty() {
                label.clone()
            } else {
                format!("{label}{sep}{inner}")
            }
        });
    if subject.is_empty() {
        sentence(&w.problem, lang)
    } else {
        let sep = if lang == Lang::En { ": " } else { "：" };
        format!("{subject}{sep}{}", sentence(&w.problem, lang))
    }
}

/// Each warning's text in `lang`.
pub fn texts(warnings: &Warnings, lang: Lang) -> Vec<String> {
    warnings.iter().map(|w| text(w, lang)).collect()
}

/// Serialises warnings as the array of their English sentences (for
/// `#[serde(serialize_with = ...)]`).
pub fn serialize<S: Serializer>(warnings: &Warnings, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(texts(warnings, Lang::En))
}

/// The warnings as lines at the top of a human table (nothing when none).
pub fn table_lines(warnings: &Warnings) -> String {
    texts(warnings, Lang::En)
        .iter()
        .map(|t| format!("WARNING: {t}\n"))
        .collect()
}

/// One CSV row of `width` cells per warning: `warning` in the first cell, the
/// text in the second, the others empty.
pub fn csv_rows(warnings: &Warnings, width: usize) -> Vec<Vec<String>> {
    texts(warnings, Lang::En)
        .into_iter()
        .map(|t| {
            let mut row = vec!["warning".to_string(), t];
            row.resize(width.max(2), String::new());
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn no_cutoff() -> Equilibrium {
        Equilibrium::NotFound {
            what: EquilibriumGap::TournamentCutoff,
            gap: 0.25,
            passes: 40,
        }
    }

    #[test]
    fn no_warning_writes_nothing() {
        let w = Warnings::of_start(Equilibrium::Found { passes: 3 });
        assert!(texts(&w, Lang::En).is_empty());
        assert_eq!(table_lines(&w), "");
        assert!(csv_rows(&w, 5).is_empty());
    }

    #[test]
    fn no_equilibrium_is_worded_in_both_languages_and_serialised_in_english() {
        let w = Warnings::of_baseline(no_cutoff());
        let en = texts(&w, Lang::En);
        assert!(
            en[0].starts_with("Status quo (baseline): the tournament has no equilibrium"),
            "{en:?}"
        );
        let zh = texts(&w, Lang::Zh).join("");
        assert!(
            zh.starts_with("现行方案（基准）：") && zh.contains("40 轮") && zh.contains("0.250")
        );
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            #[serde(serialize_with = "serialize")]
            warnings: &'a Warnings,
        }
        let json = serde_json::to_value(Doc { warnings: &w }).unwrap();
        assert_eq!(json["warnings"], serde_json::json!(en));
        assert_eq!(table_lines(&w), format!("WARNING: {}\n", en[0]));
        assert_eq!(
            csv_rows(&w, 4),
            vec![vec![
                "warning".to_string(),
                en[0].clone(),
                String::new(),
                String::new()
            ]]
        );
    }

    #[test]
    fn parts_of_a_larger_run_name_their_label_first() {
        let w = Warnings::of_start(no_cutoff()).of("bonus-up");
        assert!(texts(&w, Lang::En)[0].starts_with("bonus-up, Starting plan: the tournament"));
        assert!(texts(&w, Lang::Zh)[0].starts_with("bonus-up，初始方案："));
        let mut rounds = vec![BTreeMap::new(); 2];
        rounds[1].insert(vec![1u64], no_cutoff());
        let t = texts(&Warnings::of_rounds("rule", &rounds).of("a.toml"), Lang::En);
        assert!(
            t[0].starts_with("a.toml, Policy rule, round 2: the plan solved for this round has no equilibrium: the tournament"),
            "{}",
            t[0]
        );
        let c = texts(&Warnings::of_candidates(3, 40), Lang::En);
        assert_eq!(
            c,
            vec!["Search: 3 of 40 evaluated plans had no equilibrium (their reps' efforts contradict the beliefs they rest on) and were not eligible to win"]
        );
    }
}
