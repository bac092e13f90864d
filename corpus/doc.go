// Package corpus holds the seed files of the project: one JSON file per
// run worth keeping (see the seedfile package for the format), replayed by
// `go test ./corpus`.
//
// # What it holds
//
// Two kinds of seed files. Regression seeds expect ok: one per workload
// under swarm faults, so the corpus is never empty and every workload's
// checks run on every `go test`. Bug seeds are failing runs found by
// `proven sim` (which writes them here, named <workload>-<seed>.json) or by
// proven.Check; a bug's fix lands together with its seed file, its
// expected verdict turned to ok, so the bug stays fixed. A shrunk seed file
// (proven shrink, <name>.shrunk.json) is the better one to keep.
//
// # Contract
//
// Every *.json file here must load, record a fingerprint, and replay
// (with its recorded fault plan) to exactly the outcome and the
// fingerprint it records; each file is replayed twice and the two runs
// must agree. The test fails naming the file and what differs.
//
// A changed fingerprint with an unchanged outcome means the runs changed:
// any change to the protocol, the workloads or the simulator does that.
// When the change is deliberate, `go run ./cmd/proven corpus update`
// re-records every fingerprint (printing each one it changes), and the
// commit says why. It never changes an expected outcome: that is edited by
// hand, together with the fix or the bug that changes it.
//
// # What it does not do
//
// It holds no Go code besides this file and its test, and it does not
// search for failures: `proven sim` and proven.Check do.
//
// # How it is tested
//
// corpus_test.go is the test: `go test ./corpus`; it also checks, on a
// temporary seed file, that each kind of difference fails. Reproduce one
// file with `go run ./cmd/proven replay corpus/<file>.json`.
package corpus
