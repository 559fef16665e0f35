//! The hot loop's draws run on the processor's best vector unit (AVX-512, AVX2 or the
//! baseline), chosen at run time; `PLANSIM_VECTOR_UNIT` forces a lower one. Which unit
//! runs must change the speed only: whole runs are compared byte for byte.

mod common;

use common::*;
use plansim_sim::engine::kernel::Kernel;

/// The units this processor has, from the baseline up, named as `PLANSIM_VECTOR_UNIT`
/// takes them. A processor without AVX2 and AVX-512 fails the comparison, unless
/// `PLANSIM_TEST_SKIP=avx512` says to skip it knowingly.
fn units() -> Vec<&'static str> {
    let units: Vec<&str> = Kernel::available()
        .into_iter()
        .map(|k| k.unit().name())
        .collect();
    if units.len() < 3 {
        missing(
            "avx512",
            &format!("this processor has only the vector units {units:?}, not all three"),
        );
    }
    units
}

#[test]
fn the_unit_named_by_the_environment_is_the_one_that_runs() {
    for unit in units() {
        let report = json(&run_with_output(
            unit,
            &["bench", "-n", "64", "--repeats", "1", "--format", "json"],
        ));
        assert_eq!(report["vector_unit"], unit);
    }
}

fn run_with_output(unit: &str, args: &[&str]) -> std::process::Output {
    let dir = temp_dir("vector-units");
    plansim_in(&dir, args, &[("PLANSIM_VECTOR_UNIT", unit)])
}

fn run_with(unit: &str, args: &[&str]) -> String {
    let dir = temp_dir("vector-units");
    stdout(&ok(plansim_in(
        &dir,
        args,
        &[("PLANSIM_VECTOR_UNIT", unit)],
    )))
}

#[test]
fn every_vector_unit_gives_the_same_run_byte_for_byte() {
    let scenarios = [
        // The embedded default: the funnel's every draw, under a plan and its baseline.
        None,
        // A satisfaction gate and deal timing take other paths through the loop.
        Some("scenarios/multitask-satisfaction-gate.toml"),
        Some("scenarios/field/larkin.toml"),
    ];
    let root = env!("CARGO_MANIFEST_DIR");
    for scenario in scenarios {
        let path = scenario.map(|s| format!("{root}/{s}"));
        let mut args = vec!["run", "-n", "64", "--seed", "5", "--format", "json"];
        if let Some(p) = &path {
            args.insert(1, p);
        }
        let reference = run_with("baseline", &args);
        assert!(reference.contains("\"revenue\""));
        for unit in &units()[1..] {
            assert_eq!(
                run_with(unit, &args),
                reference,
                "{unit} differs from the baseline on {scenario:?}"
            );
        }
    }
}
