//! A build spread over machines: `build --shard K/N` into one output folder,
//! then `jixiao index`, gives what a single build gives, byte for byte.

use crate::common::*;

fn index(data: &str, out: &std::path::Path) -> std::process::Output {
    jixiao(&["index", "--data", data, "--out", out.to_str().unwrap()])
}

#[test]
fn three_shards_and_the_index_give_the_single_build_byte_for_byte() {
    let single = scratch("shards-single");
    assert!(
        build_into(&root().join("data"), &single, &[])
            .status
            .success()
    );
    let sharded = scratch("shards-three");
    let mut built = 0;
    for shard in ["1/3", "2/3", "3/3"] {
        let (run, summary) = build_json(&root().join("data"), &sharded, &["--shard", shard]);
        assert!(run.status.success(), "{}", stderr_of(&run));
        built += counts(&summary).0;
        assert!(
            !sharded.join(jixiao::publish::INDEX).exists(),
            "a shard wrote the index"
        );
    }
    assert_eq!(built, 6, "every document in exactly one shard");
    let run = index("data", &sharded);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let (a, b) = (files(&single), files(&sharded));
    assert_eq!(
        a.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        b.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs");
    }
    assert_checksums_describe(&sharded);
}

#[test]
fn the_index_names_a_document_no_shard_built_and_fails() {
    let out = scratch("shards-missing");
    let run = build_into(&root().join("data"), &out, &["--shard", "1/2"]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let run = index("data", &out);
    assert!(!run.status.success());
    let errors = stderr_of(&run);
    let missing = errors.matches("error[not-built]").count();
    assert!((1..6).contains(&missing), "{errors}");
    let listed = std::fs::read_to_string(out.join(jixiao::publish::INDEX)).unwrap();
    let built = files(&out)
        .iter()
        .filter(|(n, _)| n.ends_with(".pdf"))
        .count();
    assert_eq!(built + missing, 6);
    assert_eq!(listed.matches("<tr data-name=").count(), built);
    assert_checksums_describe(&out);
}

#[test]
fn a_shard_is_refused_when_it_is_not_k_of_n() {
    let out = scratch("shards-bad");
    for wrong in ["0/3", "4/3", "3"] {
        let run = build_into(&root().join("data"), &out, &["--shard", wrong]);
        assert_eq!(run.status.code(), Some(2), "{wrong}");
        assert!(stderr_of(&run).contains("K/N"), "{}", stderr_of(&run));
    }
}
