use plansim_sim::{engine, metrics, model::Model, scenario};
fn main() {
    let path = std::env::args().nth(1);
    let v = match path {
        Some(p) => scenario::load(std::path::Path::new(&p)).unwrap(),
        None => scenario::default_scenario(),
    };
    let m = Model::new(&v);
    let r0 = &m.reps[0];
    println!("rep0 {:?}", r0);
    println!("run rate team {}", m.run_rate_revenue());
    let t = std::time::Instant::now();
    let (solved, tally) = engine::run(&m, 1, 2000, &|_| {});
    println!(
        "solve {:.3}s total {:.3}s",
        solved.seconds,
        t.elapsed().as_secs_f64()
    );
    println!("planned rep0 plan {:?}", &solved.plan.planned[0][..3]);
    println!("planned rep0 base {:?}", &solved.baseline.planned[0][..3]);
    for (i, md) in metrics::METRICS.iter().enumerate() {
        let a = tally.plan.summary(i);
        let b = tally.baseline.summary(i);
        let d = tally.difference.summary(i);
        println!(
            "{:28} {:>14.4} {:>14.4} {:>14.4} ±{:.4}",
            md.name, a.mean, b.mean, d.mean, d.std_err
        );
    }
}
