//! Labels of the HTML report in English and Chinese.
//!
//! Every label is a variant of [`T`] whose translations are matched exhaustively,
//! so a label cannot lack its Chinese; so are the metrics' labels.

use plansim_analysis::objective::Objective;
use plansim_sim::engine::metrics::Metric;
use plansim_sim::mechanisms::MECHANISM_NAMES;

/// Language of a report (with the `clap` feature, a value of a command-line flag).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

/// A label of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum T {
    RunTitle,
    CompareTitle,
    OptimizeTitle,
    Summary,
    KeyFigures,
    Charts,
    GrowthDistribution,
    RevenueGrowth,
    ShareOfReplications,
    CostVsGrowth,
    IncentiveCost,
    Budget,
    PayoutCurves,
    Attainment,
    PayPerCycle,
    AttainmentHistogram,
    ShareOfRepCycles,
    FullTarget,
    Trajectories,
    Period,
    Revenue,
    BandNote,
    Plan,
    Baseline,
    Difference,
    Metric,
    Mean95,
    Percentiles,
    Total,
    CostByMechanism,
    Verdict,
    ProbabilityBest,
    PairedDifferences,
    Variant,
    Calibration,
    CalibrationNote,
    Rep,
    Ability,
    StdErr,
    Parameters,
    Start,
    Best,
    SearchProgress,
    Replications,
    Seed,
    Reps,
    Periods,
    Footer,
    PayoutNote,
    ScatterNote,
    AttainmentNote,
    Objective,
    Mechanism,
    RoundsTitle,
    Round,
    NewCustomers,
    Target,
    Band90,
    MeanLabel,
    Policy,
    CumulativeCost,
    HitRate,
    FinalKpis,
    PoliciesCompared,
    RoundsOf,
    PeriodsEach,
    EvaluationAxis,
    ByEvaluation,
    FeasibleLabel,
    OverBudgetLabel,
    NoEquilibriumLabel,
    BestSoFar,
    ExpectedCost,
    KeepsBudget,
    OverrunProbability,
    Yes,
    No,
    Warnings,
}

impl T {
    /// The label in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            T::RunTitle => ("Sales-incentive plan report", "销售激励方案报告"),
            T::CompareTitle => ("Plan comparison", "激励方案对比"),
            T::OptimizeTitle => ("Plan optimisation", "激励方案优化"),
            T::Summary => ("Summary", "摘要"),
            T::KeyFigures => ("Key figures", "关键指标"),
            T::Charts => ("Charts", "图表"),
            T::GrowthDistribution => ("Distribution of revenue growth", "收入增长分布"),
            T::RevenueGrowth => ("Revenue growth", "收入增长"),
            T::ShareOfReplications => ("Share of replications", "模拟结果占比"),
            T::CostVsGrowth => ("Incentive cost against revenue growth", "激励成本与收入增长"),
            T::IncentiveCost => ("Incentive cost", "激励成本"),
            T::Budget => ("Budget", "预算"),
            T::PayoutCurves => ("Pay against attainment", "薪酬与目标达成率"),
            T::Attainment => ("Attainment of target", "目标达成率"),
            T::PayPerCycle => ("Pay per rep per cycle", "每人每周期激励"),
            T::AttainmentHistogram => ("Attainment of rep-cycles", "个人周期达成率分布"),
            T::ShareOfRepCycles => ("Share of rep-cycles", "人次占比"),
            T::FullTarget => ("100 % of target", "100% 目标"),
            T::Trajectories => ("Team revenue per period", "每期团队收入"),
            T::Period => ("Period", "期"),
            T::Revenue => ("Revenue", "收入"),
            T::BandNote => (
                "Lines are means; bands hold the middle 90 % of replications (mean ± 1.645 sd).",
                "线为均值；阴影为 90% 模拟结果区间（均值 ± 1.645 标准差）。",
            ),
            T::Plan => ("Plan", "新方案"),
            T::Baseline => ("Status quo", "现行方案"),
            T::Difference => ("Difference", "差异"),
            T::Metric => ("Metric", "指标"),
            T::Mean95 => ("Mean [95 % interval]", "均值 [95% 区间]"),
            T::Percentiles => ("P5 / P50 / P95", "P5 / P50 / P95"),
            T::Total => ("Total", "合计"),
            T::CostByMechanism => ("Incentive cost by mechanism", "各机制激励成本"),
            T::Verdict => ("Verdict", "结论"),
            T::ProbabilityBest => ("Probability of being best", "最优概率"),
            T::PairedDifferences => ("Paired differences against", "配对差异，对比"),
            T::Variant => ("Variant", "方案"),
            T::Calibration => ("Team calibrated from the roster", "基于花名册的团队校准"),
            T::CalibrationNote => (
                "Abilities estimated from last year's revenue, new customers and book (docs/model.md); the standard error is the sampling error of one year.",
                "能力由去年的收入、新客户数和客户存量估计（见 docs/model.md）；标准误为一年数据的抽样误差。",
            ),
            T::Rep => ("Rep", "销售人员"),
            T::Ability => ("Ability", "能力"),
            T::StdErr => ("Standard error", "标准误"),
            T::Parameters => ("Parameters", "参数"),
            T::Start => ("Start", "初始方案"),
            T::Best => ("Best", "最优方案"),
            T::SearchProgress => ("Search progress", "搜索过程"),
            T::Replications => ("Replications", "模拟次数"),
            T::Seed => ("Seed", "随机种子"),
            T::Reps => ("Reps", "人数"),
            T::Periods => ("Periods", "期数"),
            T::Footer => (
                "Generated by plansim. Figures are Monte Carlo estimates: intervals are 95 % intervals of the mean, and differences are paired on common random numbers.",
                "由 plansim 生成。数字为蒙特卡洛估计：区间为均值的 95% 区间，差异基于共同随机数配对计算。",
            ),
            T::PayoutNote => (
                "For a rep with the team's average targets who reaches the same attainment on both KPIs; raises and promotions at their cost to the company.",
                "针对团队平均目标、两项指标达成率相同的销售人员；调薪与晋升按公司成本计。",
            ),
            T::ScatterNote => (
                "Each dot is one replication; the large marks are the means.",
                "每个点为一次模拟；大标记为均值。",
            ),
            T::AttainmentNote => (
                "Every rep's score attainment in every cycle of the first replications.",
                "前若干次模拟中每位销售人员每个周期的达成率。",
            ),
            T::Objective => ("Objective", "目标"),
            T::Mechanism => ("Mechanism", "机制"),
            T::RoundsTitle => ("Monitoring and adjustment rounds", "监控与调整轮次"),
            T::Round => ("round", "轮次"),
            T::NewCustomers => ("new customers", "新客户数"),
            T::Target => ("target", "目标"),
            T::Band90 => ("90 % band", "90% 区间"),
            T::MeanLabel => ("mean", "均值"),
            T::Policy => ("policy", "策略"),
            T::CumulativeCost => ("cumulative incentive cost", "累计激励成本"),
            T::HitRate => ("share at target", "达标比例"),
            T::FinalKpis => ("KPIs over all rounds", "全部轮次的关键指标"),
            T::PoliciesCompared => (
                "Policies compared on common random numbers",
                "各策略在相同随机数下的对比",
            ),
            T::RoundsOf => ("Rounds", "轮数"),
            T::PeriodsEach => ("periods per round", "每轮期数"),
            T::EvaluationAxis => ("evaluation", "评估序号"),
            T::ByEvaluation => ("by evaluation", "逐次评估"),
            T::FeasibleLabel => ("keeps the budget", "满足预算"),
            T::OverBudgetLabel => ("over budget", "超出预算"),
            T::NoEquilibriumLabel => ("no equilibrium", "无均衡"),
            T::BestSoFar => ("best so far within the budget", "目前满足预算的最优值"),
            T::ExpectedCost => ("Expected incentive cost", "期望激励成本"),
            T::KeepsBudget => (
                "Keeps the budget (expected cost + 2 SE)",
                "满足预算（期望成本加 2 个标准误）",
            ),
            T::OverrunProbability => ("P(cost > budget)", "成本超出预算的概率"),
            T::Yes => ("yes", "是"),
            T::No => ("NO", "否"),
            T::Warnings => ("Warnings", "警告"),
        };
        match lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// A metric's display name in `lang`; a mechanism's cost is named as the mechanism.
pub fn metric_label(m: Metric, lang: Lang) -> &'static str {
    use Metric::*;
    let (en, zh) = match m {
        Revenue => ("Revenue", "收入"),
        RevenueGrowth => ("Revenue growth", "收入增长"),
        NewCustomers => ("New customers", "新客户数"),
        ConvertedCustomers => ("Converted customers", "转化客户数"),
        Satisfaction => ("Customer satisfaction", "客户满意度"),
        IncentiveCost => ("Incentive cost", "激励成本"),
        CostOfSales => ("Cost of sales", "激励成本率"),
        Roi => ("Return on incentive", "激励回报率"),
        TargetHitRate => ("Target hit rate", "个人达标率"),
        TeamTargetHitRate => ("Team target hit rate", "团队达标率"),
        AttritionRate => ("Attrition", "离职率"),
        EffortAcquisition => ("Acquisition effort", "获客努力"),
        EffortService => ("Service effort", "服务努力"),
        Promotions => ("Promotions", "晋升人次"),
        BookEnd => ("Customers at the end", "期末客户数"),
        RepEffortCost => ("Reps' effort cost", "销售努力成本"),
        RepRiskPremium => ("Reps' risk premium", "风险溢价"),
        BudgetOverrunProbability => ("Probability of exceeding the budget", "超预算概率"),
        CostTargetBonus | CostPerCustomer | CostCommission | CostPromotion
        | CostSalaryAdjustment | CostTraining => {
            return m
                .mechanism()
                .map_or(m.name(), |k| mechanism_label(MECHANISM_NAMES[k], lang))
        }
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// A mechanism's display name in `lang` (`name` as in
/// [`MECHANISM_NAMES`]; itself when unknown).
pub fn mechanism_label(name: &'static str, lang: Lang) -> &'static str {
    let (en, zh) = match name {
        "target_bonus" => ("Target bonus", "达标奖金"),
        "per_customer" => ("Per-customer reward", "新客户奖励"),
        "commission" => ("Commission", "提成"),
        "promotion" => ("Promotion", "晋升"),
        "salary_adjustment" => ("Salary adjustment", "调薪"),
        "training" => ("Training", "培训"),
        other => return other,
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// An objective's display name in `lang`.
pub fn objective_label(o: &Objective, lang: Lang) -> &'static str {
    let (en, zh) = match o {
        Objective::Metric(m) => return metric_label(*m, lang),
        Objective::Profit => ("Profit", "利润"),
        Objective::ProfitParticipation => ("Profit net of reps' cost", "扣除销售成本后的利润"),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_mechanism_and_objective_has_a_label_in_both_languages() {
        let labels = Metric::ALL.map(|m| {
            (
                m.name(),
                metric_label(m, Lang::En),
                metric_label(m, Lang::Zh),
            )
        });
        let mechanisms = MECHANISM_NAMES.map(|n| {
            (
                n,
                mechanism_label(n, Lang::En),
                mechanism_label(n, Lang::Zh),
            )
        });
        let objectives = [Objective::Profit, Objective::ProfitParticipation].map(|o| {
            (
                o.name(),
                objective_label(&o, Lang::En),
                objective_label(&o, Lang::Zh),
            )
        });
        for (name, en, zh) in labels.into_iter().chain(mechanisms).chain(objectives) {
            assert_ne!(en, name, "{name}");
            assert!(zh.chars().any(|c| c as u32 > 0x2E80), "{name}: {zh}");
        }
        assert_eq!(T::Plan.text(Lang::Zh), "新方案");
        assert_eq!(Lang::Zh.code(), "zh-CN");
    }
}
