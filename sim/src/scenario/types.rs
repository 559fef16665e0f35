//! The scenario as written in TOML: unchecked input.
//!
//! Every section except the plan's mechanisms has defaults (the calibrated
//! internet-company team), so a scenario states only what differs. A scenario
//! becomes usable through [`crate::scenario::validate`], which reports every
//! problem at once.

use serde::{Deserialize, Serialize};

use super::sensitivity::SensitivitySection;

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Scenario {
    /// Short name shown in reports.
    pub name: String,
    /// Free-text description.
    pub description: String,
    /// Horizon, replications and seed.
    pub simulation: SimulationSection,
    /// The sales team.
    pub team: TeamSection,
    /// Seasonality and the common market shock.
    pub market: MarketSection,
    /// How effort becomes customers and revenue.
    pub outcome: OutcomeSection,
    /// Revenue and new-customer targets.
    pub targets: TargetsSection,
    /// The plan under study.
    pub plan: PlanSection,
    /// The plan it is compared against (by default salary only).
    pub baseline: PlanSection,
    /// Optional budget on incentive cost over the horizon.
    pub budget: Option<BudgetSection>,
    /// Optional search of the plan's parameters (`plansim optimize`).
    pub optimize: Option<OptimizeSection>,
    /// Optional monitoring-and-adjustment rounds (`plansim rounds`).
    pub rounds: Option<RoundsSection>,
    /// Optional ranges of the assumptions `plansim sensitivity` varies.
    pub sensitivity: Option<SensitivitySection>,
    /// Optional extra outputs of `plansim run` (`[outputs]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<OutputsSection>,
}

/// Extra outputs of `plansim run`, each a further simulation of the run's replications.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct OutputsSection {
    /// Outputs by rep: effort, attainment, pay and quitting by ability quintile, give-up,
    /// the distribution of pay per rep, the pay mix, leavers' and hires' ability.
    pub by_rep: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "unnamed".into(),
            description: String::new(),
            simulation: SimulationSection::default(),
            team: TeamSection::default(),
            market: MarketSection::default(),
            outcome: OutcomeSection::default(),
            targets: TargetsSection::default(),
            plan: PlanSection::default(),
            baseline: PlanSection::default(),
            budget: None,
            optimize: None,
            rounds: None,
            sensitivity: None,
            outputs: None,
        }
    }
}

/// Horizon, replications and seed.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct SimulationSection {
    /// Number of periods (months) simulated.
    pub periods: u32,
    /// Default number of Monte Carlo replications.
    pub replications: u64,
    /// Default seed of the random streams.
    pub seed: u64,
}

impl Default for SimulationSection {
    fn default() -> Self {
        SimulationSection {
            periods: 12,
            replications: 2000,
            seed: 20_240_601,
        }
    }
}

/// A positive trait drawn per rep from a log-normal with this mean and standard deviation.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TraitDistribution {
    /// Mean across reps.
    pub mean: f64,
    /// Standard deviation across reps (0 makes every rep alike).
    pub sd: f64,
}

impl TraitDistribution {
    /// A trait every rep shares.
    pub const fn fixed(mean: f64) -> Self {
        TraitDistribution { mean, sd: 0.0 }
    }
}

/// Efforts on the two tasks.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct EffortPair {
    /// Acquisition effort (new customers).
    pub acquisition: f64,
    /// Service effort (retention and satisfaction).
    pub service: f64,
}

/// The sales team: size, trait distributions (or a roster) and labour-market behaviour.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TeamSection {
    /// Number of reps (ignored when a roster is given).
    pub size: u32,
    /// Optional roster CSV, relative to the scenario file.
    pub roster: Option<String>,
    /// Seed of the draw of the reps' traits (fixed characteristics, not luck).
    pub trait_seed: u64,
    /// Selling ability, a productivity multiplier.
    pub ability: TraitDistribution,
    /// Effort-cost scale k: effort costs k/2 (h^2 + f^2) a period, in money.
    pub effort_cost: TraitDistribution,
    /// Absolute risk aversion r, per unit of money.
    pub risk_aversion: TraitDistribution,
    /// Value of a promotion to the rep, in money.
    pub promotion_value: TraitDistribution,
    /// Premium of the rep's outside option over their status-quo certainty equivalent
    /// (normal, money a month): positive makes reps likelier to leave under the status quo.
    pub outside_premium: TraitDistribution,
    /// Monthly base salary.
    pub base_salary: TraitDistribution,
    /// Sales skill at hire (training raises it towards `max_skill`).
    pub initial_skill: f64,
    /// Ceiling of skill.
    pub max_skill: f64,
    /// Tenure of incumbent reps in months (ramp-up is over for tenure >= ramp_periods).
    pub initial_tenure: u32,
    /// Effort the team gives under the status quo; defines the pre-plan run-rate.
    pub reference_effort: EffortPair,
    /// Least effort the job requires on each task.
    pub min_effort: EffortPair,
    /// Most effort a rep can give on each task.
    pub max_effort: EffortPair,
    /// Customers in each rep's book at the start; absent means the steady state at reference effort.
    pub initial_book: Option<f64>,
    /// Monthly quit probability when the job is worth exactly the outside option.
    pub base_quit_rate: f64,
    /// Shortfall below the outside option, as a share of salary, that multiplies the quit rate by e.
    pub quit_sensitivity: f64,
    /// Highest monthly quit probability.
    pub max_quit_rate: f64,
    /// Months a new hire takes to reach full productivity (linear ramp).
    pub ramp_periods: u32,
    /// Share of a leaver's book lost in the handover to the new hire.
    pub handover_loss: f64,
    /// Optional hiring pool (`[team.hiring]`): replacement hires draw a new ability from
    /// it, and outside options rise with ability. Absent, a hire copies the leaver's traits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hiring: Option<HiringSection>,
    /// Optional timing games (`[team.deal_timing]`): at a cycle's close a rep may pull
    /// deals of the next periods into the cycle at a discount, or push the cycle's last
    /// deals into the next cycle at a risk of losing them. Absent, no deal moves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_timing: Option<DealTimingSection>,
    /// How reps plan the rest of a reward cycle (docs/model.md section 8.9):
    /// `"open_loop"` (the default) or `"closed_loop"`.
    #[serde(default, skip_serializing_if = "Planning::is_open_loop")]
    pub planning: Planning,
}

/// How reps plan the rest of a reward cycle (docs/model.md section 8.9).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Planning {
    /// Each period the rep chooses the effort it would keep for the rest of the cycle
    /// (an open-loop plan, re-planned every period).
    #[default]
    OpenLoop,
    /// The rep's effort is a policy on the state (period of the cycle, attainment so
    /// far) solved by backward induction over the cycle.
    ClosedLoop,
}

impl Planning {
    /// True for the default, open-loop planning (a field left at its default is not
    /// written back).
    pub fn is_open_loop(&self) -> bool {
        *self == Planning::OpenLoop
    }
}

/// Deals a rep can move across a cycle's end (docs/model.md section 8.8).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct DealTimingSection {
    /// Price discount on a deal pulled into the current cycle (share of its revenue).
    pub pull_discount: f64,
    /// Chance that a deal pushed into the next cycle is lost.
    pub push_loss: f64,
    /// Most of the next `window` periods' expected deal revenue a rep can pull in.
    pub max_pull_share: f64,
    /// Most of the last `window` periods' deal revenue a rep can push out.
    pub max_push_share: f64,
    /// Periods on each side of a cycle's end whose deals can move (at most the cycle).
    pub window: u32,
}

impl Default for DealTimingSection {
    fn default() -> Self {
        DealTimingSection {
            pull_discount: 0.1,
            push_loss: 0.1,
            max_pull_share: 0.5,
            max_push_share: 0.5,
            window: 1,
        }
    }
}

/// The hiring pool replacement hires come from, and how outside options rise with
/// ability (selection, docs/model.md section 10.1).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct HiringSection {
    /// Ability of a hire, log-normal with this mean and standard deviation.
    pub ability: TraitDistribution,
    /// Ability types reps' behaviour is solved for: the pool's equal-probability bands,
    /// each represented by its median (2 to 25).
    pub types: u32,
    /// Rise of the monthly outside option per unit of ability above the pool's mean, in
    /// money: better reps have better offers elsewhere.
    pub outside_option_per_ability: f64,
    /// When given, applicants respond to the plan: an applicant of each ability takes
    /// the job with a logistic probability in the job's surplus over its outside
    /// option, on this scale (a share of salary); absent, every applicant takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_sensitivity: Option<f64>,
}

impl Default for HiringSection {
    fn default() -> Self {
        HiringSection {
            ability: TraitDistribution {
                mean: 1.0,
                sd: 0.25,
            },
            types: 5,
            outside_option_per_ability: 0.0,
            applicant_sensitivity: None,
        }
    }
}

impl Default for TeamSection {
    fn default() -> Self {
        TeamSection {
            size: 50,
            roster: None,
            trait_seed: 1,
            ability: TraitDistribution {
                mean: 1.0,
                sd: 0.25,
            },
            effort_cost: TraitDistribution {
                mean: 9000.0,
                sd: 1500.0,
            },
            risk_aversion: TraitDistribution {
                mean: 0.0001,
                sd: 0.00003,
            },
            promotion_value: TraitDistribution {
                mean: 30000.0,
                sd: 8000.0,
            },
            outside_premium: TraitDistribution {
                mean: 0.0,
                sd: 600.0,
            },
            base_salary: TraitDistribution {
                mean: 9000.0,
                sd: 1200.0,
            },
            initial_skill: 1.0,
            max_skill: 1.3,
            initial_tenure: 24,
            reference_effort: EffortPair {
                acquisition: 1.0,
                service: 1.0,
            },
            min_effort: EffortPair {
                acquisition: 0.3,
                service: 0.3,
            },
            max_effort: EffortPair {
                acquisition: 3.0,
                service: 3.0,
            },
            initial_book: None,
            base_quit_rate: 0.015,
            quit_sensitivity: 0.15,
            max_quit_rate: 0.25,
            ramp_periods: 3,
            handover_loss: 0.15,
            hiring: None,
            deal_timing: None,
            planning: Planning::OpenLoop,
        }
    }
}

/// Seasonality and the common market shock.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct MarketSection {
    /// Demand multipliers by month, repeated over the horizon (one value means none).
    pub seasonality: Vec<f64>,
    /// Standard deviation of the log of the common shock to demand.
    pub shock_sd: f64,
    /// Month-to-month autocorrelation of the shock (AR(1)).
    pub shock_persistence: f64,
}

impl Default for MarketSection {
    fn default() -> Self {
        MarketSection {
            seasonality: vec![
                1.0, 0.85, 1.0, 1.0, 1.02, 1.05, 0.98, 0.97, 1.0, 1.03, 1.08, 1.02,
            ],
            shock_sd: 0.08,
            shock_persistence: 0.5,
        }
    }
}

/// Which outcome model turns effort into results.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Leads, conversions, deal sizes, a customer book with churn, satisfaction.
    Funnel,
    /// Output = productivity x effort + normal noise (theory checks).
    LinearNormal,
}

/// How effort becomes results.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct OutcomeSection {
    /// The outcome model.
    pub model: OutcomeKind,
    /// Parameters of the funnel model.
    pub funnel: FunnelSection,
    /// Parameters of the linear-normal model.
    pub linear_normal: LinearNormalSection,
}

impl Default for OutcomeSection {
    fn default() -> Self {
        OutcomeSection {
            model: OutcomeKind::Funnel,
            funnel: FunnelSection::default(),
            linear_normal: LinearNormalSection::default(),
        }
    }
}

/// The funnel outcome model.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct FunnelSection {
    /// Expected new customers a month at unit ability, skill, market and acquisition effort.
    pub new_customers_per_effort: f64,
    /// Probability that a new customer converts into a paying one.
    pub conversion: f64,
    /// First-month deal size of a converted customer (log-normal).
    pub deal_size: TraitDistribution,
    /// Monthly recurring revenue of a customer in the book.
    pub recurring_revenue: f64,
    /// Monthly churn probability at zero service effort.
    pub churn_at_zero_service: f64,
    /// Rate at which service effort lowers churn: churn = churn0 exp(-rate f).
    pub churn_service_rate: f64,
    /// Mean satisfaction score (0-100) at unit service effort.
    pub satisfaction_at_unit_service: f64,
    /// Log-odds of satisfaction gained per unit of service effort.
    pub satisfaction_service_slope: f64,
    /// Standard deviation of satisfaction noise, in log-odds.
    pub satisfaction_noise: f64,
}

impl Default for FunnelSection {
    fn default() -> Self {
        FunnelSection {
            new_customers_per_effort: 5.0,
            conversion: 0.5,
            deal_size: TraitDistribution {
                mean: 6000.0,
                sd: 4000.0,
            },
            recurring_revenue: 1500.0,
            churn_at_zero_service: 0.08,
            churn_service_rate: 0.7,
            satisfaction_at_unit_service: 75.0,
            satisfaction_service_slope: 0.8,
            satisfaction_noise: 0.3,
        }
    }
}

/// The linear-normal outcome model: output = ability x skill x market x effort + N(0, noise_sd^2).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct LinearNormalSection {
    /// Standard deviation of the output noise.
    pub noise_sd: f64,
}

impl Default for LinearNormalSection {
    fn default() -> Self {
        LinearNormalSection { noise_sd: 1.0 }
    }
}

/// How a target is set from the pre-plan run-rate.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetMode {
    /// Each period: run-rate x (1 + growth).
    Uplift,
    /// Period t (from 1): run-rate x (1 + growth)^t, month on month.
    Compound,
    /// Each cycle: last cycle's actual x (1 + growth); the first from the run-rate.
    Ratchet,
    /// A fixed value per rep per period.
    Absolute,
}

/// A target on one KPI.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TargetSpec {
    /// How the target is set.
    pub mode: TargetMode,
    /// Growth rate per period (uplift, compound, ratchet).
    #[serde(default)]
    pub growth: f64,
    /// Per rep per period value (absolute).
    #[serde(default)]
    pub value: f64,
}

/// Targets on revenue and new customers.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TargetsSection {
    /// Revenue target.
    pub revenue: TargetSpec,
    /// New-customer target.
    pub new_customers: TargetSpec,
    /// Discount factor with which reps weigh the effect of a cycle's output on the next
    /// cycle's ratchet target (docs/model.md section 8.7); 0, the default, is myopic.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub foresight: f64,
    /// Customer-satisfaction target: the level (0-100) of the cycle's mean monthly
    /// satisfaction score that counts as 100 % (`mode = "absolute"` only); needed when
    /// a plan gives `kpi.satisfaction` a weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<TargetSpec>,
}

/// True for 0 (a field left at its default is not written back).
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for TargetsSection {
    fn default() -> Self {
        TargetsSection {
            revenue: TargetSpec {
                mode: TargetMode::Uplift,
                growth: 0.20,
                value: 0.0,
            },
            new_customers: TargetSpec {
                mode: TargetMode::Uplift,
                growth: 0.10,
                value: 0.0,
            },
            foresight: 0.0,
            satisfaction: None,
        }
    }
}

/// The reward cycle over which targets are measured and cycle payouts made.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    /// One month.
    Month,
    /// Three months.
    Quarter,
    /// Twelve months.
    Year,
}

impl Cycle {
    /// The cycle's name as a scenario writes it.
    pub fn name(self) -> &'static str {
        match self {
            Cycle::Month => "month",
            Cycle::Quarter => "quarter",
            Cycle::Year => "year",
        }
    }

    /// Number of monthly periods in the cycle.
    pub fn periods(self) -> u32 {
        match self {
            Cycle::Month => 1,
            Cycle::Quarter => 3,
            Cycle::Year => 12,
        }
    }
}

/// Weights of the attainment score that targets, tournaments and raises use; a
/// weight left out of a written `kpi` table is 0 (the plan's default is half each).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct KpiWeights {
    /// Weight of revenue attainment.
    #[serde(default)]
    pub revenue: f64,
    /// Weight of new-customer attainment.
    #[serde(default)]
    pub new_customers: f64,
    /// Weight of customer-satisfaction attainment: the cycle's mean satisfaction score
    /// over `targets.satisfaction` (funnel model only; 0, the default, leaves it out).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub satisfaction: f64,
}

impl Default for KpiWeights {
    fn default() -> Self {
        KpiWeights {
            revenue: 0.5,
            new_customers: 0.5,
            satisfaction: 0.0,
        }
    }
}

/// Whether a target is individual or the team's.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Each rep against their own target.
    Individual,
    /// Every rep paid on the team's attainment.
    Team,
}

/// Bonus paid on attainment of the cycle's score target.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TargetBonusSpec {
    /// Bonus paid at the threshold (money per rep per cycle).
    pub amount: f64,
    /// Attainment at which the bonus is paid in full (1.0 = 100 %).
    #[serde(default = "one")]
    pub threshold: f64,
    /// Optional attainment where a linear ramp up to `amount` at the threshold starts.
    #[serde(default)]
    pub ramp_from: Option<f64>,
    /// Extra bonus, as multiples of `amount`, per unit of attainment above max(threshold, 1).
    #[serde(default)]
    pub accelerator: f64,
    /// Optional cap on the payout, as a multiple of `amount`.
    #[serde(default)]
    pub cap: Option<f64>,
    /// Individual or team target.
    #[serde(default = "individual")]
    pub basis: Basis,
    /// The bonus's own cycle, shorter than `plan.cycle` (docs/model.md section 5);
    /// absent, the plan's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<Cycle>,
}

fn one() -> f64 {
    1.0
}
fn individual() -> Basis {
    Basis::Individual
}

/// Which new customers a per-customer reward pays for.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerCount {
    /// Every new customer.
    New,
    /// Only those who convert into revenue.
    Converted,
}

/// A reward per new customer, paid monthly.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PerCustomerSpec {
    /// Money per counted customer.
    pub amount: f64,
    /// Which customers count.
    #[serde(default = "new_customers")]
    pub on: CustomerCount,
    /// Customer-satisfaction gate (0-100): a month's reward is paid only when the rep's
    /// satisfaction score that month is at least this (funnel model only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction_gate: Option<f64>,
}

fn new_customers() -> CustomerCount {
    CustomerCount::New
}

/// The revenue a commission is paid on.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommissionBase {
    /// All revenue, recurring included.
    Revenue,
    /// First-month revenue of converted new customers only.
    NewRevenue,
}

/// A marginal commission rate above a level of revenue attainment.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CommissionTier {
    /// Revenue attainment of the cycle's revenue target above which `rate` applies.
    pub from: f64,
    /// Marginal rate in this tier.
    pub rate: f64,
}

/// Commission on revenue over the cycle, optionally tiered.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CommissionSpec {
    /// Rate below the first tier.
    pub rate: f64,
    /// Revenue the commission is on.
    #[serde(default = "revenue_base")]
    pub on: CommissionBase,
    /// Higher marginal rates above attainment levels (on = "revenue" only).
    #[serde(default)]
    pub tiers: Vec<CommissionTier>,
    /// The commission's own cycle, shorter than `plan.cycle` (docs/model.md section 5);
    /// absent, the plan's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<Cycle>,
}

fn revenue_base() -> CommissionBase {
    CommissionBase::Revenue
}

/// How promotions are decided.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PromotionMode {
    /// Each converted new customer gives a chance of promotion.
    Chance,
    /// The top share of reps by score each cycle is promoted.
    Tournament,
}

/// Promotion: by chance per converted customer, or by tournament.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PromotionSpec {
    /// Chance or tournament.
    pub mode: PromotionMode,
    /// Probability of promotion per converted new customer (chance mode).
    #[serde(default)]
    pub chance_per_conversion: f64,
    /// Share of active reps promoted each cycle (tournament mode).
    #[serde(default)]
    pub share: f64,
    /// Salary raise on promotion, as a share of salary.
    pub raise: f64,
    /// Most promotions a rep can get over the horizon.
    #[serde(default = "one_u32")]
    pub max_promotions: u32,
}

fn one_u32() -> u32 {
    1
}

/// Salary adjustment at review by individual and team attainment.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SalaryAdjustmentSpec {
    /// Months between reviews.
    pub review_every: u32,
    /// Raise, as a share of salary, at 100 % weighted attainment.
    pub pool: f64,
    /// Weight of the rep's own attainment.
    pub individual_weight: f64,
    /// Weight of the team's attainment.
    pub team_weight: f64,
    /// Attainment below which that part earns no raise.
    #[serde(default = "default_min_attainment")]
    pub min_attainment: f64,
    /// Attainment above which that part earns no more.
    #[serde(default = "default_cap_attainment")]
    pub cap_attainment: f64,
}

fn default_min_attainment() -> f64 {
    0.8
}
fn default_cap_attainment() -> f64 {
    1.5
}

/// Who receives training.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrainingEligibility {
    /// Every active rep.
    All,
    /// The top share by score in the last cycle, as a reward.
    Top,
}

/// Regular training: costs money and selling time, raises skill.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TrainingSpec {
    /// Months between sessions (the first at the end of month `every`).
    pub every: u32,
    /// Cost per trainee per session.
    pub cost: f64,
    /// Share of the session month's selling time spent in training.
    #[serde(default)]
    pub time_share: f64,
    /// Share of the gap to the skill ceiling closed per session (diminishing returns).
    pub skill_gain: f64,
    /// Who is trained.
    #[serde(default = "all_reps")]
    pub eligibility: TrainingEligibility,
    /// Share trained when eligibility is "top".
    #[serde(default)]
    pub top_share: f64,
}

fn all_reps() -> TrainingEligibility {
    TrainingEligibility::All
}

/// An incentive plan: any subset of the six mechanisms.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct PlanSection {
    /// Reward cycle for targets, bonus, commission and tournaments: the plan's longest
    /// cycle, which a bonus or commission may shorten with its own `cycle`.
    pub cycle: Cycle,
    /// Weights of the attainment score.
    pub kpi: KpiWeights,
    /// Months a raise is costed over (and valued by the rep) from when it is granted.
    pub raise_horizon: u32,
    /// Target bonus.
    pub target_bonus: Option<TargetBonusSpec>,
    /// Reward per new customer.
    pub per_customer: Option<PerCustomerSpec>,
    /// Commission on revenue.
    pub commission: Option<CommissionSpec>,
    /// Promotion.
    pub promotion: Option<PromotionSpec>,
    /// Salary adjustment at review.
    pub salary_adjustment: Option<SalaryAdjustmentSpec>,
    /// Training.
    pub training: Option<TrainingSpec>,
    /// Customer satisfaction as a gate on, and a multiplier of, the cycle's target
    /// bonus and commission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<SatisfactionPaySpec>,
}

/// Customer satisfaction on the cycle's pay (docs/model.md section 5.7): the target
/// bonus and the commission of a cycle are paid only when the rep's mean monthly
/// satisfaction score over the cycle is at least `gate`, and are multiplied by
/// `multiplier`'s curve of it (funnel model only).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SatisfactionPaySpec {
    /// Lowest mean satisfaction score (0-100) of the cycle at which its target bonus
    /// and commission are paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<f64>,
    /// A multiplier of the cycle's target bonus and commission by its mean satisfaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<SatisfactionMultiplierSpec>,
}

/// A multiplier linear in the cycle's mean satisfaction score between two levels:
/// `low_value` at or below `low`, `high_value` at or above `high`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SatisfactionMultiplierSpec {
    /// Satisfaction level (0-100) at and below which the multiplier is `low_value`.
    pub low: f64,
    /// Satisfaction level (0-100) at and above which the multiplier is `high_value`.
    pub high: f64,
    /// The multiplier at and below `low` (the floor).
    pub low_value: f64,
    /// The multiplier at and above `high` (the cap).
    pub high_value: f64,
}

impl Default for PlanSection {
    fn default() -> Self {
        PlanSection {
            cycle: Cycle::Month,
            kpi: KpiWeights::default(),
            raise_horizon: 12,
            target_bonus: None,
            per_customer: None,
            commission: None,
            promotion: None,
            salary_adjustment: None,
            training: None,
            satisfaction: None,
        }
    }
}

/// A budget on incentive cost.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct BudgetSection {
    /// Most incentive cost over the horizon, in money.
    pub incentive_cost: f64,
}

/// What the optimiser maximises.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveKind {
    /// Expected revenue growth against the pre-plan run-rate.
    RevenueGrowth,
    /// Expected revenue over the horizon.
    Revenue,
    /// Expected revenue less incentive cost.
    Profit,
    /// Expected new customers.
    NewCustomers,
    /// Expected revenue less what keeps reps at their outside option (effort cost and
    /// risk premium): the principal's profit when the participation constraint binds.
    ProfitParticipation,
}

/// Which search algorithm the optimiser uses.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SolverKind {
    /// Particle swarm for the global search, then Nelder-Mead to polish.
    Auto,
    /// Nelder-Mead from the starting plan.
    NelderMead,
    /// Particle swarm over the bounds.
    ParticleSwarm,
}

/// One decision variable: a numeric plan parameter and its bounds.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct DecisionVariable {
    /// Path of the parameter, e.g. `plan.target_bonus.amount`.
    pub path: String,
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Starting value (default: the plan's current value).
    #[serde(default)]
    pub start: Option<f64>,
}

/// The search: decision variables, objective, budget and effort.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct OptimizeSection {
    /// What to maximise.
    #[serde(default = "default_objective")]
    pub objective: ObjectiveKind,
    /// Budget on expected incentive cost over the horizon (default: budget.incentive_cost).
    #[serde(default)]
    pub budget: Option<f64>,
    /// Chance constraint: most probability that incentive cost exceeds the budget.
    #[serde(default)]
    pub max_overrun_probability: Option<f64>,
    /// Replications per evaluation (default: simulation.replications).
    #[serde(default)]
    pub replications: Option<u64>,
    /// Replications of the certification on fresh seeds (default: twice the evaluation's).
    #[serde(default)]
    pub certify_replications: Option<u64>,
    /// Most objective evaluations.
    #[serde(default = "default_max_evaluations")]
    pub max_evaluations: u32,
    /// Search algorithm.
    #[serde(default = "default_solver")]
    pub solver: SolverKind,
    /// The decision variables.
    pub variables: Vec<DecisionVariable>,
}

fn default_objective() -> ObjectiveKind {
    ObjectiveKind::RevenueGrowth
}
/// Most objective evaluations of a search whose `[optimize]` section does not say.
pub const DEFAULT_MAX_EVALUATIONS: u32 = 150;

fn default_max_evaluations() -> u32 {
    DEFAULT_MAX_EVALUATIONS
}
fn default_solver() -> SolverKind {
    SolverKind::Auto
}

/// How the plan is adjusted between rounds.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundPolicyKind {
    /// Never change the plan.
    Static,
    /// Step intensities by how far KPIs are from target.
    Rule,
    /// Re-run the optimiser from the team's current state on the remaining budget.
    Reoptimize,
}

/// The KPI a rule compares with its target.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleKpi {
    /// Team revenue of the round against its target.
    Revenue,
    /// Team new customers of the round against their target.
    NewCustomers,
    /// The plan's weighted attainment score of the round.
    Score,
}

/// One adjustment rule: a plan intensity stepped by a KPI's gap to target.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RoundRule {
    /// Path of the plan parameter adjusted, e.g. `plan.target_bonus.amount`.
    pub path: String,
    /// KPI whose relative gap to target drives the step.
    pub kpi: RuleKpi,
    /// Step, as a share of the bounds' range, per unit of relative gap (gap = 1 - actual / target).
    pub gain: f64,
    /// Lower bound of the parameter.
    pub min: f64,
    /// Upper bound of the parameter.
    pub max: f64,
}

/// Monitoring and adjustment: rounds of fixed plan parameters and the policy between them.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RoundsSection {
    /// Number of rounds.
    #[serde(default = "default_rounds")]
    pub rounds: u32,
    /// Periods per round.
    #[serde(default = "one_u32")]
    pub round_length: u32,
    /// The adjustment policy.
    #[serde(default = "default_round_policy")]
    pub policy: RoundPolicyKind,
    /// Rules of the `rule` policy.
    #[serde(default)]
    pub rules: Vec<RoundRule>,
    /// Evaluations per round of the `reoptimize` policy.
    #[serde(default = "default_reoptimize_evaluations")]
    pub reoptimize_evaluations: u32,
    /// Replications the `reoptimize` policy evaluates each candidate on (the first of the planning sample).
    #[serde(default = "default_reoptimize_replications")]
    pub reoptimize_replications: u64,
    /// Replications of the planning sample: the first this many, whose mean state plans
    /// the reps' behaviour each round and whose outcomes the `reoptimize` policy reads.
    #[serde(default = "default_planning_replications")]
    pub planning_replications: u64,
}

/// Replications whose mean state plans the reps' behaviour each round and whose
/// outcomes the reoptimize policy reads: the first this many of a run (the default of
/// `rounds.planning_replications`).
pub const PLANNING_REPLICATIONS: u64 = 4096;

fn default_planning_replications() -> u64 {
    PLANNING_REPLICATIONS
}

fn default_rounds() -> u32 {
    12
}
fn default_round_policy() -> RoundPolicyKind {
    RoundPolicyKind::Rule
}
fn default_reoptimize_evaluations() -> u32 {
    25
}
fn default_reoptimize_replications() -> u64 {
    128
}
