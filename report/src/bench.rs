//! The report of `plansim bench`: rep-periods simulated per second on one thread and
//! on all cores, as a table or JSON, and the throughput guard's lines.

use std::fmt::Write;

use serde::Serialize;

use crate::Result;

/// One measurement.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    /// Worker threads.
    pub threads: usize,
    /// Seconds of the best repeat.
    pub seconds: f64,
    /// Rep-periods simulated.
    pub rep_periods: u64,
    /// Rep-periods per second.
    pub rep_periods_per_second: f64,
}

/// A benchmark's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchReport {
    /// The scenario's name.
    pub scenario: String,
    /// Reps in the team.
    pub reps: usize,
    /// Periods in the horizon.
    pub periods: u32,
    /// Replications of each measurement.
    pub replications: u64,
    /// Measurements per thread count (the best is kept).
    pub repeats: u32,
    /// Seconds the behaviour took to solve.
    pub solve_seconds: f64,
    /// The vector instructions the hot loop's draws ran on (`avx512`, `avx2` or
    /// `baseline`).
    pub vector_unit: String,
    /// The best measurement of each thread count, one thread first.
    pub measurements: Vec<Measurement>,
}

impl BenchReport {
    /// The rate on the most threads over the rate on one.
    pub fn speedup(&self) -> f64 {
        self.measurements
            .last()
            .map_or(1.0, |m| m.rep_periods_per_second)
            / self.measurements[0].rep_periods_per_second
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<String> {
        let doc = serde_json::json!({
            "scenario": self.scenario,
            "replications": self.replications,
            "solve_seconds": self.solve_seconds,
            "vector_unit": self.vector_unit,
            "measurements": self.measurements,
            "speedup": self.speedup(),
        });
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        Ok(text)
    }

    /// The human-readable figures.
    pub fn table(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "plansim bench: {} ({} reps x {} periods, plan + baseline), {} replications, best of {}",
            self.scenario, self.reps, self.periods, self.replications, self.repeats
        );
        let _ = writeln!(text, "behaviour solved once in {:.3} s", self.solve_seconds);
        let _ = writeln!(text, "draws on vector unit: {}", self.vector_unit);
        for m in &self.measurements {
            let _ = writeln!(
                text,
                "{:>2} thread{}: {:>8.3} s  {:>7.2} M rep-periods/s  ({:.2} M per thread)",
                m.threads,
                if m.threads == 1 { " " } else { "s" },
                m.seconds,
                m.rep_periods_per_second / 1e6,
                m.rep_periods_per_second / 1e6 / m.threads as f64
            );
        }
        if self.measurements.len() > 1 {
            let _ = writeln!(
                text,
                "speed-up on {} threads: {:.2}x",
                self.measurements.last().map_or(1, |m| m.threads),
                self.speedup()
            );
        }
        text
    }
}

/// The throughput guard's measurements: medians over its repeats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GuardRatios {
    /// Median of the simulator's rep-periods per second on one thread.
    pub sim_rate: f64,
    /// Median of the reference loop's steps per second.
    pub reference_rate: f64,
    /// Median of each repeat's simulator rate over its reference rate.
    pub ratio: f64,
    /// Median of each repeat's reference seconds over its solve seconds.
    pub solve_ratio: f64,
    /// Largest over smallest of the repeats' ratios, minus one.
    pub spread: f64,
    /// Largest over smallest of the repeats' solve ratios, minus one.
    pub solve_spread: f64,
    /// Repeats.
    pub repeats: u32,
}

/// The throughput guard's measurement: the simulator's rate on one thread, the
/// reference loop's, and the ratios, medians of the repeats with their spread.
pub fn guard_line(m: &GuardRatios) -> String {
    format!(
        "throughput guard, medians of {} repeats on one thread: {:.2} M rep-periods/s, reference loop {:.1} M steps/s
  simulation ratio {:.4} (repeats within {:.1} %), solve ratio {:.4} (within {:.1} %)
",
        m.repeats,
        m.sim_rate / 1e6,
        m.reference_rate / 1e6,
        m.ratio,
        100.0 * m.spread,
        m.solve_ratio,
        100.0 * m.solve_spread
    )
}

/// The recorded ratios the guard compares with, where and at which commit they were
/// measured, and the share of them below which it fails.
pub fn guard_recorded(
    ratio: f64,
    solve_ratio: f64,
    machine: &str,
    commit: &str,
    replications: u64,
    floor: f64,
) -> String {
    format!(
        "recorded ratios {ratio:.4} and {solve_ratio:.4} ({machine}, commit {commit}, -n {replications}); the guard fails below {:.4} and {:.4}\n",
        floor * ratio,
        floor * solve_ratio
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(threads: &[usize]) -> BenchReport {
        BenchReport {
            scenario: "s".into(),
            reps: 50,
            periods: 12,
            replications: 100,
            repeats: 3,
            solve_seconds: 0.25,
            vector_unit: "avx2".into(),
            measurements: threads
                .iter()
                .map(|&t| Measurement {
                    threads: t,
                    seconds: 1.0 / t as f64,
                    rep_periods: 120_000,
                    rep_periods_per_second: 120_000.0 * t as f64,
                })
                .collect(),
        }
    }

    #[test]
    fn the_speedup_is_the_last_rate_over_the_first() {
        let two = report(&[1, 2]);
        assert_eq!(two.speedup(), 2.0);
        assert!(two.table().ends_with("speed-up on 2 threads: 2.00x\n"));
        let one = report(&[1]);
        assert_eq!(one.speedup(), 1.0);
        assert!(!one.table().contains("speed-up"));
        let json: serde_json::Value = serde_json::from_str(&two.to_json().unwrap()).unwrap();
        assert_eq!(json["speedup"], 2.0);
        assert_eq!(json["measurements"][1]["threads"], 2);
    }
}
