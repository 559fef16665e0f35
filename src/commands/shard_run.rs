//! `plansim run --shard K/N --out DIR`: simulate one slice of a run's blocks and
//! write it to DIR/shard-K-of-N.json for `plansim merge`.

use plansim_sim::engine;
use plansim_sim::model::Model;
use plansim_sim::scenario::ValidScenario;
use plansim_sim::shard::{block_replications, shard_blocks};

use crate::cli::RunArgs;
use crate::error::{CliError, CliResult};
use crate::output::OutputDir;
use crate::progress::Progress;
use crate::shard::spec::{self, ShardArg};
use crate::shard::{file_name, ShardFile};
use crate::warnings::Warnings;
use crate::{cancel, memory};

/// Runs shard `arg` of the run and writes its shard file.
pub fn execute(
    args: &RunArgs,
    valid: &ValidScenario,
    replications: u64,
    seed: u64,
    arg: ShardArg,
) -> CliResult {
    let shard = spec::resolve(arg, &|name| std::env::var(name).ok())?;
    let Some(dir) = &args.out else {
        return Err(CliError::Input(format!(
            "--shard {}/{} needs --out DIR to write {} into",
            shard.k,
            shard.n,
            file_name(shard.k, shard.n)
        )));
    };
    let blocks = shard_blocks(engine::block_count(replications), shard.k - 1, shard.n);
    let reps = block_replications(&blocks, replications);
    memory::check(
        memory::shard(reps.end - reps.start, memory::Shape::of(valid)),
        memory::available(),
        &format!(
            "shard {}/{} ({} replications)",
            shard.k,
            shard.n,
            reps.end - reps.start
        ),
        |max| {
            format!("split the run into more shards (raise N) so each holds at most about {max} replications")
        },
    )?;
    let pool = super::thread_pool(args.threads)?;
    let model = Model::new(valid);
    // Solved even when this shard holds no block (more shards than blocks), so that
    // every shard of a run without an equilibrium is refused alike.
    let solved = pool.install(|| engine::solve(&model));
    let warnings = Warnings::of_run(&model, &solved);
    warnings.refuse_unless(args.accept, valid.source())?;
    let name = file_name(shard.k, shard.n);
    let out = OutputDir::prepare(dir, &[name.as_str()], args.force)?;
    cancel::exit_on_interrupt()?;
    let progress = Progress::new(reps.end - reps.start, "replications");
    let tallies = pool.install(|| {
        engine::run_block_tallies(
            &model,
            &solved,
            seed,
            replications,
            blocks.clone(),
            &|done| progress.update(done),
        )
    });
    progress.finish();
    let file = ShardFile::of_run(
        valid,
        seed,
        replications,
        (shard.k, shard.n),
        blocks.clone(),
        &tallies,
    );
    drop(tallies);
    out.write_all(&[(name.as_str(), file.to_bytes())])?;
    warnings.print();
    eprintln!(
        "shard {}/{} ({}): blocks {}..{}, replications {}..{} of {}, written to {}",
        shard.k,
        shard.n,
        shard.origin,
        blocks.start,
        blocks.end,
        reps.start,
        reps.end,
        replications,
        dir.join(&name).display()
    );
    Ok(())
}
