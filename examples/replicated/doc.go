// Package replicated is a worked example of testing your own replicated
// service with Proven, from scratch, on the simulator alone: a key-value
// store of registers replicated on three crashable nodes, tested under
// crashes, partitions, message loss and duplication, clock and disk
// faults, and checked for linearizability with a porcupine model it
// writes itself. Run it with
//
//	go test ./examples/replicated
//
// and copy replicated_test.go to start your own.
//
// # The service
//
// Each replica (Replica) is a step machine holding the newest Version
// (a Tag and a value) of each key. It answers MsgQuery with its version
// and applies MsgStore when the stored tag is newer, after appending it
// to a log and its mirror and syncing both (persist before you speak);
// on restart it rebuilds from the two copies (sim.Disk.RecoverMirrored).
// Clients use the ABD algorithm (Client): each phase of an operation
// asks every replica and waits for a majority, resending to the silent
// ones; a write first learns the newest tag, then stores its value under
// a higher one; a read learns the newest version, stores it back, then
// returns it. Any two majorities meet, so the register is linearizable
// as long as a majority of replicas answers, and an operation that
// cannot reach one fails (a read) or ends unknown (a write) after a
// timeout.
//
// # The test
//
// Workload implements workloads.Workload: Build declares a world with the
// replicas, an operation (a read or a write of a unique value on a random
// key, recorded with workloads.Invoke) and a check (CheckLinearizable,
// porcupine with RegisterModel). proven.Check runs it over seeds, each a
// subtest; a failing seed writes a seed file naming the workload and its
// parameters ({"bug": "..."}), which replays and shrinks through go test:
//
//	go test ./examples/replicated -run TestReplicatedRegister -proven.replay=FILE
//	go test ./examples/replicated -run TestReplicatedRegister -proven.shrink=FILE
//	go test ./examples/replicated -run TestReplicatedRegister -proven.seeds=2000
//	go test ./examples/replicated -run '^$' -fuzz FuzzReplicatedRegister -fuzztime 10s
//
// scripted_test.go shows the other way to test: one interleaving written
// by hand on a world, its processes ordered with a sim.Cond instead of
// sleeps.
//
// # Bugs, planted and found
//
// Workload.Bug plants a mistake in the client: BugNoWriteBack (reads skip
// their write-back) and BugReadOne (reads ask one replica) are caught
// within a few seeds, and the test replays each one's seed file.
// BugReuseTag was not planted: the first version of Client had it (a
// writer could reuse a tag after a write that reached only a minority,
// so two values shared one tag and replicas disagreed for good), seed
// 781 found it, proven shrink reduced it, and its seed file stays in
// testdata/proven, replayed by every go test.
//
// # What it does not do
//
// It uses no engine, coordinator or cluster: for an application on
// Proven's engines, see examples/orders. Replicas never lose their disk,
// and membership is fixed.
package replicated
