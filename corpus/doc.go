// Package corpus holds the seed files of the project: one JSON file per
// run worth keeping (see the proven package for the format), replayed by
// `go test ./corpus`.
//
// # What it holds
//
// Two kinds of seed files. Regression seeds expect ok: one per workload
// under swarm faults, so the corpus is never empty and every workload's
// checks run on every `go test`; they record no fingerprint, since every
// change to the protocol or the workloads changes it. Bug seeds are failing runs found by
// `proven sim` (which writes them here, named <workload>-<seed>.json) or by
// proven.Check; a bug's fix lands together with its seed file, its
// expected verdict turned to ok, so the bug stays fixed. A shrunk seed file
// (proven shrink, <name>.shrunk.json) is the better one to keep.
//
// # Contract
//
// Every *.json file here must load; its replay must have the outcome the
// file expects and draw the fault plan the file records. The test fails
// naming the file whose verdict changed. A recorded fingerprint that no
// longer matches is logged, not failed: any change to the protocol or the
// workloads changes every fingerprint, while the verdict is the contract.
// Each file is also replayed twice, and the two fingerprints must agree.
//
// # What it does not do
//
// It holds no Go code besides this file and its test, and it does not
// search for failures: `proven sim` and proven.Check do.
//
// # How it is tested
//
// corpus_test.go is the test: `go test ./corpus`. Reproduce one file with
// `go run ./cmd/proven replay corpus/<file>.json`.
package corpus
